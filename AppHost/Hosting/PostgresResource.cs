using LocalServers;
using Npgsql;

namespace AppHost.Hosting;

/// <summary>A private PostgreSQL 15 cluster under <c>&lt;data&gt;/postgres</c>, durable (fsync on), kept across runs.</summary>
public sealed class PostgresResource(string name, string database) : InfrastructureResource(name)
{
    PostgresCluster? _cluster;

    public override string Kind => "postgres";
    public string Database { get; } = database;
    protected override string? LocalConnectionString => _cluster?.ConnectionString(Database);
    public override IReadOnlyList<int> ProcessIds => _cluster?.PostmasterPid is { } pid ? [pid] : [];
    public override IReadOnlyList<int> Ports => _cluster is null ? [] : [_cluster.Port];

    protected override async Task StartLocalAsync(LaunchContext context, CancellationToken ct)
    {
        _cluster = new PostgresCluster(Path.Combine(context.DataDirectory, Name), context.Port(Name, 54320), durable: true);
        await _cluster.StartAsync([Database], ct);
        context.Output.Write(Name, $"PostgreSQL listening on 127.0.0.1:{_cluster.Port}, data in {_cluster.Directory}");
    }

    protected override Task StopLocalAsync(CancellationToken ct) => _cluster?.StopAsync(ct) ?? Task.CompletedTask;

    public override async Task<bool> IsHealthyAsync(CancellationToken ct)
    {
        try
        {
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false, Timeout = 3 }.ConnectionString);
            await connection.OpenAsync(ct);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return false;
        }
    }
}
