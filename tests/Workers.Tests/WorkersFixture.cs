using Temporalio.Client;
using TestSupport;

namespace Workers.Tests;

/// <summary>Real PostgreSQL, Kafka-protocol broker, S3 and Temporal for the Workers process under test.</summary>
public sealed class WorkersInfrastructure : IAsyncLifetime
{
    public PostgresFixture Postgres { get; } = new();
    public KafkaFixture Kafka { get; } = new();
    public S3Fixture S3 { get; } = new();

    /// <summary>The Temporal frontend (host:port) Workers and the tests' clients use.</summary>
    public string TemporalTarget { get; } = Environment.GetEnvironmentVariable("TEMPORAL_TEST_TARGET") ?? "127.0.0.1:17233";

    public Task<TemporalClient> ConnectTemporalAsync() => TemporalClient.ConnectAsync(new(TemporalTarget));

    public async Task InitializeAsync()
    {
        await Task.WhenAll(Postgres.InitializeAsync(), S3.InitializeAsync());
        Kafka.CreateTopic("pipeline.heartbeat", 1);
    }

    /// <summary>The environment the AppHost would give Workers, for a fresh database.</summary>
    public async Task<Dictionary<string, string>> EnvironmentAsync(string database) => new()
    {
        ["ConnectionStrings__postgres"] = await Postgres.CreateDatabaseAsync(database),
        ["ConnectionStrings__kafka"] = Kafka.BootstrapServers,
        ["ConnectionStrings__lake"] = S3.ConnectionString,
        ["ConnectionStrings__temporal"] = TemporalTarget,
        // Tests start the pipeline themselves; a schedule would start runs in whichever test's Workers poll next.
        ["Trades__LiveSchedule__Enabled"] = "false",
    };

    public async Task DisposeAsync()
    {
        Kafka.Dispose();
        await Task.WhenAll(Postgres.DisposeAsync(), S3.DisposeAsync());
    }
}

[CollectionDefinition("workers")]
public sealed class WorkersCollection : ICollectionFixture<WorkersInfrastructure>;
