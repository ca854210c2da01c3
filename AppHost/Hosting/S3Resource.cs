using LocalServers;

namespace AppHost.Hosting;

/// <summary>
/// S3-compatible storage. Locally moto's server with the declared buckets; moto keeps objects in memory only, so
/// the lake is a published copy that an export re-creates from PostgreSQL.
/// </summary>
public sealed class S3Resource(string name) : InfrastructureResource(name)
{
    static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(3) };
    MotoS3Server? _server;

    public override string Kind => "s3";
    public List<string> Buckets { get; } = [];
    protected override string? LocalConnectionString => _server?.ConnectionString(Buckets.FirstOrDefault() ?? Name);
    public override IReadOnlyList<int> ProcessIds => _server?.ProcessId is { } pid ? [pid] : [];
    public override IReadOnlyList<int> Ports => _server is null ? [] : [_server.Port];

    protected override async Task StartLocalAsync(LaunchContext context, CancellationToken ct)
    {
        _server = new MotoS3Server(context.Port(Name, 9000));
        await _server.StartAsync(Buckets, line => context.Output.Write(Name, line), ct);
        context.Output.Write(Name, $"S3 (moto, in memory) at {_server.Endpoint}; buckets: {string.Join(", ", Buckets)}");
    }

    protected override async Task StopLocalAsync(CancellationToken ct)
    {
        if (_server is not null) await _server.DisposeAsync();
        _server = null;
    }

    /// <summary>Local: the server answers. External: an S3-compatible endpoint answers; AWS itself is checked by the services.</summary>
    public override async Task<bool> IsHealthyAsync(CancellationToken ct)
    {
        if (_server is not null) return await _server.IsHealthyAsync(ct);
        var endpoint = System.Text.RegularExpressions.Regex.Match(ConnectionString, @"Endpoint=([^;]+)").Groups[1].Value;
        if (endpoint.Length == 0) return true;
        try
        {
            using var response = await Http.GetAsync(endpoint, ct);
            return (int)response.StatusCode < 500;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }
}
