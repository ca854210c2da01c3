using LocalServers;
using Npgsql;
using Xunit;

namespace TestSupport;

/// <summary>
/// A throw-away PostgreSQL cluster on a free port (fsync off: tests need speed, not durability).
/// Each test asks for its own database with <see cref="CreateDatabaseAsync"/>, so tests never see each other's rows.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    readonly string _directory = Directory.CreateTempSubdirectory("pgtest.").FullName;
    PostgresCluster? _cluster;
    int _databases;

    public PostgresCluster Cluster => _cluster ?? throw new InvalidOperationException("fixture not started");

    public async Task InitializeAsync()
    {
        _cluster = new PostgresCluster(_directory, FreePort.Next(), durable: false);
        await _cluster.StartAsync(["postgres"]);
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "test")
    {
        var name = $"{prefix}_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 14, 63)].ToLowerInvariant();
        await using var connection = new NpgsqlConnection(Cluster.ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await create.ExecuteNonQueryAsync();
        return Cluster.ConnectionString(name);
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null) await _cluster.StopAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
