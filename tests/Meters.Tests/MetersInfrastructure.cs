using Npgsql;
using Temporalio.Client;
using TestSupport;

namespace Meters.Tests;

/// <summary>Real PostgreSQL, Kafka-protocol broker, S3 and Temporal for the Workers processes under test.</summary>
public sealed class MetersInfrastructure : IAsyncLifetime
{
    public PostgresFixture Postgres { get; } = new();
    public S3Fixture S3 { get; } = new();
    public TemporalServerFixture Temporal { get; private set; } = null!;

    public Task<TemporalClient> ConnectTemporalAsync() => TemporalClient.ConnectAsync(new(Temporal.Target));

    public async Task InitializeAsync()
    {
        await Task.WhenAll(Postgres.InitializeAsync(), S3.InitializeAsync());
        Temporal = await TemporalServerFixture.StartAsync(await Postgres.CreateDatabaseAsync("temporal"));
    }

    /// <summary>The environment the AppHost would give Workers, for a fresh database and the given broker.</summary>
    public async Task<Dictionary<string, string>> EnvironmentAsync(string database, KafkaFixture kafka) => new()
    {
        ["ConnectionStrings__postgres"] = await Postgres.CreateDatabaseAsync(database),
        ["ConnectionStrings__kafka"] = kafka.BootstrapServers,
        ["ConnectionStrings__lake"] = S3.ConnectionString,
        ["ConnectionStrings__temporal"] = Temporal.Target,
        ["Kafka__Consumer__session.timeout.ms"] = "6000",
        // Tests start the workflows themselves (tests run one at a time, each with its own Workers process).
        ["Trades__LiveSchedule__Enabled"] = "false",
        ["Meters__Schedule__Enabled"] = "false",
    };

    public async Task DisposeAsync()
    {
        if (Temporal is not null) await Temporal.DisposeAsync();
        await Task.WhenAll(Postgres.DisposeAsync(), S3.DisposeAsync());
    }
}

[CollectionDefinition("meters")]
public sealed class MetersCollection : ICollectionFixture<MetersInfrastructure>;

/// <summary>Reads a test database while Workers (another process) fills it.</summary>
sealed class MeterDatabase(string connectionString) : IAsyncDisposable
{
    public NpgsqlDataSource DataSource { get; } = NpgsqlDataSource.Create(connectionString);

    public async Task<long> WaitForCountAsync(string countSql, long atLeast, int timeoutSeconds = 90)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds); DateTime.UtcNow < deadline; await Task.Delay(200))
        {
            try
            {
                var count = await ScalarAsync<long>(countSql);
                if (count >= atLeast) return count;
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName) { }
        }
        throw new TimeoutException($"{countSql} did not reach {atLeast} within {timeoutSeconds} s");
    }

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task<List<(T1, T2)>> RowsAsync<T1, T2>(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(T1, T2)>();
        while (await reader.ReadAsync()) rows.Add((reader.GetFieldValue<T1>(0), reader.GetFieldValue<T2>(1)));
        return rows;
    }

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
