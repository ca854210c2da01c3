using TestSupport;

namespace Benchmarks.Support;

/// <summary>
/// The real servers a suite runs against (a throw-away PostgreSQL, and on request moto S3 and the local Kafka broker),
/// and the solution's services started on them as the AppHost starts them, with warnings-only logging. The services
/// need a Temporal frontend: the first one started brings up a TemporalServer on the same PostgreSQL.
/// </summary>
public sealed class BenchServers : IAsyncDisposable
{
    readonly PostgresFixture? _postgres;
    readonly S3Fixture? _s3;
    TemporalServerFixture? _temporal;

    BenchServers(PostgresFixture? postgres, S3Fixture? s3, KafkaFixture? kafka)
    {
        _postgres = postgres;
        _s3 = s3;
        Kafka = kafka;
    }

    public KafkaFixture? Kafka { get; }

    /// <summary>Starts the servers asked for, concurrently.</summary>
    public static async Task<BenchServers> StartAsync(bool postgres = true, bool s3 = false, bool kafka = false)
    {
        var servers = new BenchServers(postgres ? new PostgresFixture() : null, s3 ? new S3Fixture() : null, kafka ? new KafkaFixture() : null);
        await Task.WhenAll(servers._postgres?.InitializeAsync() ?? Task.CompletedTask, servers._s3?.InitializeAsync() ?? Task.CompletedTask);
        return servers;
    }

    /// <summary>An empty database on the throw-away PostgreSQL.</summary>
    public Task<string> CreateDatabaseAsync(string prefix) =>
        (_postgres ?? throw new InvalidOperationException("started without PostgreSQL")).CreateDatabaseAsync(prefix);

    /// <summary>
    /// Starts <paramref name="service"/> (Workers, Web) against <paramref name="database"/> and this run's S3 and Kafka,
    /// plus <paramref name="settings"/> (configuration keys in environment form, e.g. <c>Trades__LiveSchedule__Enabled</c>).
    /// </summary>
    public async Task<ServiceProcess> StartServiceAsync(string service, string database, IReadOnlyDictionary<string, string>? settings = null)
    {
        await TemporalAsync();
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__postgres"] = database,
            ["ConnectionStrings__temporal"] = _temporal!.Target,
            ["Logging__LogLevel__Default"] = "Warning",
        };
        if (Kafka is not null) environment["ConnectionStrings__kafka"] = Kafka.BootstrapServers;
        if (_s3 is not null) environment["ConnectionStrings__lake"] = _s3.ConnectionString;
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) environment[key] = value;
        return await ServiceProcess.StartAsync(service, environment);
    }

    /// <summary>The run's TemporalServer process on its own database of the throw-away PostgreSQL, started on first use.</summary>
    public async Task<TemporalServerFixture> TemporalAsync() =>
        _temporal ??= await TemporalServerFixture.StartAsync(await CreateDatabaseAsync("temporal"));

    public async ValueTask DisposeAsync()
    {
        Kafka?.Dispose();
        if (_temporal is not null) await _temporal.DisposeAsync();
        await Task.WhenAll(_postgres?.DisposeAsync() ?? Task.CompletedTask, _s3?.DisposeAsync() ?? Task.CompletedTask);
    }
}
