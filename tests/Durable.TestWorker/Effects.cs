using Npgsql;

namespace Durable.TestWorker;

/// <summary>Side effects of test activities, recorded outside the engine so tests can count executions.</summary>
public static class Effects
{
    public const string Schema = """
        CREATE TABLE IF NOT EXISTS public.test_effects (id bigserial PRIMARY KEY, kind text NOT NULL, key text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp(), worker int NOT NULL);
        CREATE TABLE IF NOT EXISTS public.test_rows (key text NOT NULL, value int NOT NULL)
        """;

    public static async Task EnsureAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand(Schema);
        await command.ExecuteNonQueryAsync();
    }

    public static async Task RecordAsync(NpgsqlDataSource dataSource, string kind, string key)
    {
        await using var command = dataSource.CreateCommand("INSERT INTO public.test_effects (kind, key, worker) VALUES ($1, $2, $3)");
        command.Parameters.Add(new() { Value = kind });
        command.Parameters.Add(new() { Value = key });
        command.Parameters.Add(new() { Value = Environment.ProcessId });
        await command.ExecuteNonQueryAsync();
    }
}
