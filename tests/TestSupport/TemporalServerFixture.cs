using LocalServers;

namespace TestSupport;

/// <summary>
/// The built TemporalServer as a real process on free ports against a given PostgreSQL database; SDK clients and
/// workers connect to <see cref="Target"/>. It can be killed (SIGKILL) and started again on the same ports and
/// database, as a crash and restart would.
/// </summary>
public sealed class TemporalServerFixture : IAsyncDisposable
{
    readonly string _connectionString;
    readonly IReadOnlyDictionary<string, string> _settings;

    TemporalServerFixture(string connectionString, int grpcPort, int httpPort, IReadOnlyDictionary<string, string>? settings)
    {
        _connectionString = connectionString;
        GrpcPort = grpcPort;
        HttpPort = httpPort;
        _settings = settings ?? new Dictionary<string, string>();
    }

    public int GrpcPort { get; }
    /// <summary>host:port for <c>TemporalClient.ConnectAsync</c>.</summary>
    public string Target => $"127.0.0.1:{GrpcPort}";
    /// <summary>The HTTP port: the /api/v1 JSON API and the Temporal Web UI.</summary>
    public int HttpPort { get; }
    public Uri HttpUrl => new($"http://127.0.0.1:{HttpPort}");
    public ServiceProcess Process { get; private set; } = null!;

    public static async Task<TemporalServerFixture> StartAsync(string connectionString, IReadOnlyDictionary<string, string>? settings = null)
    {
        var fixture = new TemporalServerFixture(connectionString, FreePort.Next(), FreePort.Next(), settings);
        await fixture.StartProcessAsync();
        return fixture;
    }

    async Task StartProcessAsync()
    {
        if (Process is { HasExited: true }) await Process.DisposeAsync();
        var environment = new Dictionary<string, string>(_settings)
        {
            ["ConnectionStrings__postgres"] = _connectionString,
            ["Temporal__GrpcPort"] = GrpcPort.ToString(),
            ["Temporal__HttpPort"] = HttpPort.ToString(),
            ["Logging__LogLevel__Default"] = "Warning",
        };
        Process = await ServiceProcess.StartAsync("TemporalServer", environment);
    }

    /// <summary>SIGKILL: no shutdown code runs.</summary>
    public Task KillAsync() => Process.KillAsync();

    /// <summary>A new process on the same gRPC port and database.</summary>
    public Task RestartAsync() => StartProcessAsync();

    public async ValueTask DisposeAsync()
    {
        if (!Process.HasExited) await Process.DisposeAsync();
    }
}
