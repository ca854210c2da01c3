# syntax=docker/dockerfile:1
# TemporalServer: our Temporal-compatible server on PostgreSQL with the Temporal Web UI (gRPC 7233, HTTP and UI 8233).
# For a one-machine setup; production uses Temporal Cloud or a Temporal cluster (terraform/, docs/operations.md).
# Build from the repository root: docker build -f deploy/temporal-server.Dockerfile -t energy-pipeline-temporal-server:<version> .
FROM node:20.18.1-bookworm-slim AS node

FROM mcr.microsoft.com/dotnet/sdk:10.0.401-noble AS build
# The build compiles the Temporal Web UI with npm (TemporalServer/Ui/TemporalUi.targets).
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s /usr/local/lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm
WORKDIR /src
COPY . .
RUN dotnet publish TemporalServer/TemporalServer.csproj --configuration Release --output /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0.12-noble AS runtime
# curl serves the health check only.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_ENVIRONMENT=Production \
    Temporal__Address=0.0.0.0 \
    Temporal__GrpcPort=7233 \
    Temporal__HttpPort=8233
EXPOSE 7233 8233
USER app
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD curl --fail --silent --show-error http://127.0.0.1:8233/alive || exit 1
ENTRYPOINT ["dotnet", "TemporalServer.dll"]
