# syntax=docker/dockerfile:1
# The pipeline CLI: generate, analyse, import, backfill. Runs once per invocation:
#   docker run --rm -v "$PWD:/data" energy-pipeline-cli:<version> trades analyze --input /data/trades.csv --out /data/results
# Build from the repository root: docker build -f deploy/cli.Dockerfile -t energy-pipeline-cli:<version> .
FROM mcr.microsoft.com/dotnet/sdk:10.0.401-noble AS build
WORKDIR /src
COPY . .
RUN dotnet publish Cli/Cli.csproj --configuration Release --output /app

FROM mcr.microsoft.com/dotnet/runtime:10.0.12-noble AS runtime
WORKDIR /app
COPY --from=build /app .
USER app
WORKDIR /data
# A command that runs and exits has nothing to probe: its exit code is its health.
HEALTHCHECK NONE
ENTRYPOINT ["dotnet", "/app/pipeline.dll"]
