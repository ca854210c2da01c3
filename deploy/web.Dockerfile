# syntax=docker/dockerfile:1
# Web: the Blazor reports and the REST API. Behind TLS termination (an ALB, a reverse proxy).
# Build from the repository root: docker build -f deploy/web.Dockerfile -t energy-pipeline-web:<version> .
FROM mcr.microsoft.com/dotnet/sdk:10.0.401-noble AS build
WORKDIR /src
COPY . .
RUN dotnet publish Web/Web.csproj --configuration Release --output /app

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
ENTRYPOINT ["dotnet", "Web.dll"]
