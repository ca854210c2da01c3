using System.Reflection;
using Npgsql;

namespace Workers.Storage;

/// <summary>
/// The <c>pipeline</c> schema: the ordered SQL files embedded from Storage/Migrations (<c>NNN_name.sql</c>), each
/// applied once at start. A transaction-scoped advisory lock serialises workers starting together, and each file
/// commits with its bookkeeping row.
/// </summary>
public static class PipelineSchema
{
    const string Schema = "pipeline";
    const string ResourcePrefix = "Workers.Storage.Migrations.";

    const string Bookkeeping = """
        CREATE TABLE IF NOT EXISTS public.schema_migrations (
            schema_name text NOT NULL,
            version     int  NOT NULL,
            name        text NOT NULL,
            applied_at  timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (schema_name, version))
        """;

    public static async Task ApplyAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await ExecuteAsync(connection, "SELECT pg_advisory_xact_lock(hashtext('schema_migrations'))", ct);
        await ExecuteAsync(connection, Bookkeeping, ct);

        var applied = new HashSet<int>();
        await using (var read = new NpgsqlCommand("SELECT version FROM public.schema_migrations WHERE schema_name = $1", connection))
        {
            read.Parameters.Add(new() { Value = Schema });
            await using var reader = await read.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) applied.Add(reader.GetInt32(0));
        }

        foreach (var (version, name, sql) in Migrations().Where(m => !applied.Contains(m.Version)))
        {
            await ExecuteAsync(connection, sql, ct);
            await using var record = new NpgsqlCommand("INSERT INTO public.schema_migrations (schema_name, version, name) VALUES ($1, $2, $3)", connection);
            record.Parameters.Add(new() { Value = Schema });
            record.Parameters.Add(new() { Value = version });
            record.Parameters.Add(new() { Value = name });
            await record.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
    }

    static IEnumerable<(int Version, string Name, string Sql)> Migrations()
    {
        var assembly = Assembly.GetExecutingAssembly();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var file = resource[ResourcePrefix.Length..^".sql".Length];
            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
            yield return (int.Parse(file[..file.IndexOf('_')]), file[(file.IndexOf('_') + 1)..], reader.ReadToEnd());
        }
    }

    static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }
}
