# syntax=docker/dockerfile:1
# Workers: the Temporal worker (workflows, activities, schedules), Kafka ingestion and the pipeline schema's migrations.
# Build from the repository root: docker build -f deploy/workers.Dockerfile -t energy-pipeline-workers:<version> .
FROM mcr.microsoft.com/dotnet/sdk:10.0.401-noble AS build
WORKDIR /src
COPY . .
RUN dotnet publish Workers/Workers.csproj --configuration Release --output /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0.12-noble AS runtime
# curl serves the health check only.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_HTTP_PORTS=8080 \
    ASPNETCORE_ENVIRONMENT=Production
EXPOSE 8080
# The image's own non-root user (uid 1654).
USER app
# Liveness (/alive): the process answers. /health also checks dependencies; orchestrators route on it.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD curl --fail --silent --show-error http://127.0.0.1:8080/alive || exit 1
ENTRYPOINT ["dotnet", "Workers.dll"]
