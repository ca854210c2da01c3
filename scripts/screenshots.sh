#!/usr/bin/env bash
# Refreshes docs/screenshots/ (the images README.md and docs/ show) by running the browser tests, which drive the real
# Web app in Debian Chromium against real PostgreSQL. ./test.sh runs the same tests but keeps its screenshots in
# artifacts/screenshots, so a test run leaves the tracked images alone.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/prerequisites.sh
dotnet build Pipeline.sln --nologo -v q -clp:ErrorsOnly
export SCREENSHOTS_DIR="$PWD/docs/screenshots"
dotnet test tests/Web.Tests --no-build --nologo
dotnet test tests/AppHost.Tests --no-build --nologo --filter "FullyQualifiedName~TraceTests"
echo "screenshots in $SCREENSHOTS_DIR"
