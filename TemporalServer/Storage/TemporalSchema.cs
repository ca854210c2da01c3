using Npgsql;

namespace TemporalServer.Storage;

/// <summary>
/// Applies the embedded <c>Migrations/NNN_name.sql</c> scripts in order, each once, at start. An advisory lock
/// serialises servers starting together against one database.
/// </summary>
sealed class TemporalSchema(NpgsqlDataSource dataSource, ILogger<TemporalSchema> logger) : IHostedService
{
    const string Bookkeeping = """
        CREATE SCHEMA IF NOT EXISTS temporal;
        CREATE TABLE IF NOT EXISTS temporal.schema_migrations (version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
        """;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('temporal.schema_migrations'))", connection, tx))
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        await using (var bookkeeping = new NpgsqlCommand(Bookkeeping, connection, tx))
            await bookkeeping.ExecuteNonQueryAsync(cancellationToken);
        var applied = new HashSet<int>();
        await using (var read = new NpgsqlCommand("SELECT version FROM temporal.schema_migrations", connection, tx))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken)) applied.Add(reader.GetInt32(0));

        foreach (var (version, name, sql) in Migrations().Where(m => !applied.Contains(m.Version)))
        {
            await using var apply = new NpgsqlCommand(sql, connection, tx);
            await apply.ExecuteNonQueryAsync(cancellationToken);
            await using var record = new NpgsqlCommand("INSERT INTO temporal.schema_migrations (version, name) VALUES ($1, $2)", connection, tx);
            record.Parameters.Add(new() { Value = version });
            record.Parameters.Add(new() { Value = name });
            await record.ExecuteNonQueryAsync(cancellationToken);
            logger.LogInformation("Applied temporal schema migration {Version} {Name}", version, name);
        }
        await tx.CommitAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    static IEnumerable<(int Version, string Name, string Sql)> Migrations()
    {
        var assembly = typeof(TemporalSchema).Assembly;
        const string prefix = "TemporalServer.Storage.Migrations.";
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var file = resource[prefix.Length..^".sql".Length];
            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
            yield return (int.Parse(file[..file.IndexOf('_')]), file[(file.IndexOf('_') + 1)..], reader.ReadToEnd());
        }
    }
}
