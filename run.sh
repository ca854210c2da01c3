#!/usr/bin/env bash
# Brings up the whole pipeline locally on .NET Aspire: PostgreSQL, the Kafka-protocol broker, S3 (moto), feeds,
# workers and web, with the Aspire dashboard at http://127.0.0.1:18888 (plain http, no login: see README).
# Extra arguments go to the AppHost, e.g. ./run.sh --TradeFeed:Speed=60
set -euo pipefail
cd "$(dirname "$0")"
scripts/prerequisites.sh
echo "dashboard: http://127.0.0.1:18888 (resources, console logs, traces, structured logs, metrics); web: http://127.0.0.1:5080"
exec dotnet run --project AppHost --launch-profile http -- "$@"
