using Temporalio.Client;
using TestSupport;

namespace Workers.Tests;

/// <summary>Real PostgreSQL, Kafka-protocol broker, S3 and Temporal for the Workers process under test.</summary>
public sealed class WorkersInfrastructure : IAsyncLifetime
{
    public PostgresFixture Postgres { get; } = new();
    public KafkaFixture Kafka { get; } = new();
    public S3Fixture S3 { get; } = new();

    /// <summary>The built TemporalServer, on its own database of <see cref="Postgres"/>.</summary>
    public TemporalServerFixture Temporal { get; private set; } = null!;

    public Task<TemporalClient> ConnectTemporalAsync() => TemporalClient.ConnectAsync(new(Temporal.Target));

    public async Task InitializeAsync()
    {
        await Task.WhenAll(Postgres.InitializeAsync(), S3.InitializeAsync());
        Temporal = await TemporalServerFixture.StartAsync(await Postgres.CreateDatabaseAsync("temporal"));
        Kafka.CreateTopic("pipeline.heartbeat", 1);
    }

    /// <summary>The environment the AppHost would give Workers, for a fresh database.</summary>
    public async Task<Dictionary<string, string>> EnvironmentAsync(string database) => new()
    {
        ["ConnectionStrings__postgres"] = await Postgres.CreateDatabaseAsync(database),
        ["ConnectionStrings__kafka"] = Kafka.BootstrapServers,
        ["ConnectionStrings__lake"] = S3.ConnectionString,
        ["ConnectionStrings__temporal"] = Temporal.Target,
        // Tests start the pipeline themselves; a schedule would start runs in whichever test's Workers poll next.
        ["Trades__LiveSchedule__Enabled"] = "false",
        ["Prices__ReportSchedule__Enabled"] = "false",
    };

    public async Task DisposeAsync()
    {
        Kafka.Dispose();
        if (Temporal is not null) await Temporal.DisposeAsync();
        await Task.WhenAll(Postgres.DisposeAsync(), S3.DisposeAsync());
    }
}

[CollectionDefinition("workers")]
public sealed class WorkersCollection : ICollectionFixture<WorkersInfrastructure>;
