using Npgsql;

namespace ServiceDefaults.Postgres;

/// <summary>One ordered, idempotent schema change. Versions are applied in ascending order, each exactly once.</summary>
public sealed record Migration(int Version, string Name, string Sql);

/// <summary>
/// Applies ordered migrations for one schema at start-up. A transaction-scoped advisory lock serialises concurrent
/// starters (several workers booting at once), and each migration commits together with its bookkeeping row.
/// Each service that owns a schema (Workers: pipeline) keeps its migrations as embedded NNN_name.sql files.
/// </summary>
public static class SchemaMigrator
{
    const string Bookkeeping = """
        CREATE TABLE IF NOT EXISTS public.schema_migrations (
            schema_name text NOT NULL,
            version     int  NOT NULL,
            name        text NOT NULL,
            applied_at  timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (schema_name, version))
        """;

    public static async Task ApplyAsync(NpgsqlDataSource dataSource, string schema, IReadOnlyList<Migration> migrations, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await Execute(connection, "SELECT pg_advisory_xact_lock(hashtext('schema_migrations'))", ct);
        await Execute(connection, Bookkeeping, ct);

        var applied = new HashSet<int>();
        await using (var read = new NpgsqlCommand("SELECT version FROM public.schema_migrations WHERE schema_name = $1", connection))
        {
            read.Parameters.Add(new() { Value = schema });
            await using var reader = await read.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) applied.Add(reader.GetInt32(0));
        }

        foreach (var migration in migrations.OrderBy(m => m.Version).Where(m => !applied.Contains(m.Version)))
        {
            await Execute(connection, migration.Sql, ct);
            await using var record = new NpgsqlCommand("INSERT INTO public.schema_migrations (schema_name, version, name) VALUES ($1, $2, $3)", connection);
            record.Parameters.Add(new() { Value = schema });
            record.Parameters.Add(new() { Value = migration.Version });
            record.Parameters.Add(new() { Value = migration.Name });
            await record.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
    }

    /// <summary>Loads migrations embedded as resources named <c>…NNN_name.sql</c> from an assembly.</summary>
    public static IReadOnlyList<Migration> FromEmbeddedResources(System.Reflection.Assembly assembly, string resourcePrefix) =>
        assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(resourcePrefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n =>
            {
                var file = n[resourcePrefix.Length..^".sql".Length].TrimStart('.');
                var underscore = file.IndexOf('_');
                using var stream = assembly.GetManifestResourceStream(n)!;
                using var reader = new StreamReader(stream);
                return new Migration(int.Parse(file[..underscore]), file[(underscore + 1)..], reader.ReadToEnd());
            })
            .OrderBy(m => m.Version)
            .ToList();

    static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }
}
