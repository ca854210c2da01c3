#!/usr/bin/env bash
# Brings up the whole pipeline locally: PostgreSQL, the Kafka-protocol broker, S3, feeds, workers and web.
# Extra arguments go to the AppHost, e.g. ./run.sh --Resources:web:Port=8080
set -euo pipefail
cd "$(dirname "$0")"
scripts/prerequisites.sh
exec dotnet run --project AppHost -- "$@"
