#!/usr/bin/env bash
# Brings up the whole pipeline locally on .NET Aspire: PostgreSQL, the Kafka-protocol broker, S3 (moto), Temporal,
# feeds, workers and web, with the Aspire dashboard at http://127.0.0.1:18888 (plain http, no login: see README).
# Extra arguments go to the AppHost, e.g. ./run.sh --TradeFeed:Speed=60
set -euo pipefail
cd "$(dirname "$0")"
scripts/prerequisites.sh
# Built here rather than by `dotnet run`, which builds silently: the first build takes minutes (the Temporal Web UI's
# npm build among them), and each project's "-> …dll" line shows it progressing.
echo "building the AppHost and its services…"
dotnet build AppHost --nologo -v minimal -clp:NoSummary
echo "starting; dashboard: http://127.0.0.1:18888 (resources, console logs, traces, structured logs, metrics); web: http://127.0.0.1:5080"
exec dotnet run --no-build --project AppHost --launch-profile http -- "$@"
