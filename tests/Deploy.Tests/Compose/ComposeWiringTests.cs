namespace Deploy.Tests.Compose;

public sealed class ComposeWiringTests(AppHostManifest manifest) : IClassFixture<AppHostManifest>
{
    static readonly string ComposeYaml = File.ReadAllText(Repository.PathOf("deploy", "docker-compose.yml"));

    [Fact]
    public void The_compose_file_runs_the_AppHost_graph_with_the_same_connection_string_names()
    {
        var violations = ComposeWiring.Check(manifest.Resources, ComposeFile.Parse(ComposeYaml));

        Violations.AssertNone(violations);
        // What was compared came from the AppHost: its resources and the wiring it gives Workers.
        Assert.Equal(["postgres", "kafka", "lake", "temporal", "feeds", "workers", "web"], manifest.Resources.Select(r => r.Key));
        Assert.Equal(
            ["ConnectionStrings__kafka", "ConnectionStrings__lake", "ConnectionStrings__postgres", "ConnectionStrings__temporal", "services__feeds__http__0"],
            manifest.Resources["workers"]!["env"]!.AsObject().Select(e => e.Key).Where(k => k.StartsWith("ConnectionStrings__", StringComparison.Ordinal) || k.StartsWith("services__", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_missing_or_misdirected_connection_string_is_named_with_its_service()
    {
        var yaml = Edit(ComposeYaml,
            ("      ConnectionStrings__lake: Endpoint=http://lake:9000;Region=us-east-1;AccessKey=${MINIO_ROOT_USER:-pipeline};SecretKey=${MINIO_ROOT_PASSWORD:-pipeline-local};Bucket=energy-lake\n      ConnectionStrings__temporal: temporal:7233\n      services__feeds__http__0: http://feeds:8080\n      # Feeds",
             "      ConnectionStrings__temporal: temporal:7233\n      services__feeds__http__0: http://feeds:8080\n      # Feeds"),
            ("      ConnectionStrings__kafka: kafka:19092\n      ConnectionStrings__lake: Endpoint=http://lake:9000;Region=us-east-1;AccessKey=${MINIO_ROOT_USER:-pipeline};SecretKey=${MINIO_ROOT_PASSWORD:-pipeline-local};Bucket=energy-lake\n      ConnectionStrings__temporal: temporal:7233\n      services__feeds__http__0: http://feeds:8080\n      services__workers",
             "      ConnectionStrings__kafka: kafka:9093\n      ConnectionStrings__lake: Endpoint=http://lake:9000;Region=us-east-1;AccessKey=x;SecretKey=y;Bucket=other-lake\n      ConnectionStrings__temporal: temporal:7233\n      ConnectionStrings__extra: x\n      services__feeds__http__0: http://feeds:8080\n      services__workers"));

        var violations = ComposeWiring.Check(manifest.Resources, ComposeFile.Parse(yaml)).Select(v => v.ToString()).ToList();

        Assert.True(violations.Count == 4, string.Join('\n', violations));
        Assert.Equal(
            [
                "deploy/docker-compose.yml: services.workers.environment: lacks ConnectionStrings__lake (the AppHost sets it to {lake.connectionString})",
                "deploy/docker-compose.yml: services.web.environment: sets ConnectionStrings__extra, which the AppHost does not give web",
                "deploy/docker-compose.yml: services.web.environment: ConnectionStrings__kafka points at kafka:9093, a port kafka does not expose",
                "deploy/docker-compose.yml: services.web.environment: ConnectionStrings__lake lacks 'Bucket=energy-lake' (the AppHost's lake has it)",
            ],
            violations);
    }

    [Fact]
    public void A_missing_service_port_topic_or_dependency_is_named()
    {
        var yaml = Edit(ComposeYaml,
            ("  dashboard:\n", "  dashboard-renamed:\n"),
            ("      - \"127.0.0.1:5080:8080\"", "      - \"127.0.0.1:5081:8080\""),
            ("pipeline.heartbeat:1 energy.trades.v1:16", "pipeline.heartbeat:1 energy.trades.v1:4"),
            ("      feeds:\n        condition: service_healthy\n      temporal:\n        condition: service_healthy\n    environment:\n      <<: *service-environment\n      OTEL_SERVICE_NAME: workers",
             "      temporal:\n        condition: service_healthy\n    environment:\n      <<: *service-environment\n      OTEL_SERVICE_NAME: workers"));
        yaml = Edit(yaml, ("  temporal-ui:\n", "  ui:\n"));

        var violations = ComposeWiring.Check(manifest.Resources, ComposeFile.Parse(yaml)).Select(v => v.ToString()).ToList();

        // The renamed dashboard leaves all three services' telemetry pointing nowhere: 3 of the 7.
        Assert.True(violations.Count == 7, string.Join('\n', violations));
        Assert.Contains("deploy/docker-compose.yml: services.kafka-init: does not create topic energy.trades.v1:16 (name:partitions as in the AppHost)", violations);
        Assert.Contains("deploy/docker-compose.yml: services.temporal: does not publish port 8233 (the AppHost's http binding)", violations);
        Assert.Contains("deploy/docker-compose.yml: services.workers.depends_on: does not wait for feeds, which services__feeds__http__0 references", violations);
        Assert.Contains("deploy/docker-compose.yml: services.web: does not publish port 5080 (the AppHost's http binding)", violations);
        Assert.Contains("deploy/docker-compose.yml: services.feeds.environment: OTEL_EXPORTER_OTLP_ENDPOINT does not point at a service of this file (the dashboard)", violations);
        Assert.Contains("deploy/docker-compose.yml: services.web.environment: OTEL_EXPORTER_OTLP_ENDPOINT does not point at a service of this file (the dashboard)", violations);
    }

    static string Edit(string yaml, params (string From, string To)[] edits)
    {
        foreach (var (from, to) in edits)
        {
            Assert.True(yaml.Contains(from, StringComparison.Ordinal), $"the compose file no longer contains: {from}");
            yaml = yaml.Replace(from, to, StringComparison.Ordinal);
        }
        return yaml;
    }
}
