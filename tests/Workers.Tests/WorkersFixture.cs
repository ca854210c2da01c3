using TestSupport;

namespace Workers.Tests;

/// <summary>Real PostgreSQL, Kafka-protocol broker and S3 for the Workers process under test.</summary>
public sealed class WorkersInfrastructure : IAsyncLifetime
{
    public PostgresFixture Postgres { get; } = new();
    public KafkaFixture Kafka { get; } = new();
    public S3Fixture S3 { get; } = new();

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
    };

    public async Task DisposeAsync()
    {
        Kafka.Dispose();
        await Task.WhenAll(Postgres.DisposeAsync(), S3.DisposeAsync());
    }
}

[CollectionDefinition("workers")]
public sealed class WorkersCollection : ICollectionFixture<WorkersInfrastructure>;
