#!/usr/bin/env bash
# Runs every test of the solution against real servers (PostgreSQL, a Kafka-protocol broker, moto S3) and ends
# with one line "N passed, N failed, N skipped" summed over all test projects; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")"
scripts/prerequisites.sh || exit 1

results="$PWD/TestResults"
rm -rf "$results"
if ! dotnet build Pipeline.sln --nologo -v q -clp:ErrorsOnly; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

# One test project at a time (-m:1): the machines have 2 cores and several suites start servers and processes.
dotnet test Pipeline.sln --no-build -m:1 --nologo --logger "trx" --results-directory "$results" --blame-hang-timeout 10m
status=$?

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  get() { local v; v=$(echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"); echo "${v:-0}"; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
  skipped=$((skipped + $(get notExecuted)))
done
# A crashed test host can leave no result file: never report a clean run that was not one.
if [ $status -ne 0 ] && [ $failed -eq 0 ]; then failed=1; echo "dotnet test exited with $status without a failed test: a test host crashed or hung"; fi

echo "$passed passed, $failed failed, $skipped skipped"
[ $status -eq 0 ] && [ $failed -eq 0 ]
