using Meters.Checks;
using Npgsql;
using NpgsqlTypes;

namespace Meters.Storage;

/// <summary>
/// <c>meters.runs</c> and <c>meters.check_results</c>: one row per workflow run (its ID is the workflow ID) with what
/// its process step did, and every check result of the run, replaced as a whole when the check step repeats.
/// </summary>
public static class MeterRunStore
{
    // Process steps run one at a time (two runs must not split the same unprocessed records between them); the run
    // row is locked so a retried attempt waits for a still-running first attempt instead of working beside it.
    const string Lock = "SELECT pg_advisory_xact_lock(hashtext('meters.process'))";

    const string Begin = "INSERT INTO meters.runs (run_id, status) VALUES ($1, 'running') ON CONFLICT (run_id) DO NOTHING";

    const string ReadOutcome = "SELECT process_outcome::text FROM meters.runs WHERE run_id = $1 FOR UPDATE";

    /// <summary>Starts (or resumes) a run's process step; returns the outcome JSON a committed earlier attempt stored, if any.</summary>
    public static async Task<string?> BeginProcessAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string runId, CancellationToken ct)
    {
        await using (var @lock = new NpgsqlCommand(Lock, connection, tx))
            await @lock.ExecuteNonQueryAsync(ct);
        await using (var begin = new NpgsqlCommand(Begin, connection, tx))
        {
            begin.Parameters.Add(new() { Value = runId });
            await begin.ExecuteNonQueryAsync(ct);
        }
        await using var read = new NpgsqlCommand(ReadOutcome, connection, tx);
        read.Parameters.Add(new() { Value = runId });
        return await read.ExecuteScalarAsync(ct) as string;
    }

    const string RecordOutcome = """
        UPDATE meters.runs SET records = $2, measurements = $3, unknown = $4, quarantined = $5, process_outcome = $6 WHERE run_id = $1
        """;

    public static async Task RecordProcessAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string runId, int records, int measurements, int unknown, int quarantined, string outcomeJson, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(RecordOutcome, connection, tx);
        command.Parameters.Add(new() { Value = runId });
        command.Parameters.Add(new() { Value = records });
        command.Parameters.Add(new() { Value = measurements });
        command.Parameters.Add(new() { Value = unknown });
        command.Parameters.Add(new() { Value = quarantined });
        command.Parameters.Add(new() { Value = outcomeJson, NpgsqlDbType = NpgsqlDbType.Jsonb });
        await command.ExecuteNonQueryAsync(ct);
    }

    const string InsertResult = """
        INSERT INTO meters.check_results (run_id, ordinal, check_name, severity, passed, series, window_start, window_end, count, message)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
        """;

    /// <summary>Replaces the run's check results and sets its status: failed when an error-level check failed.</summary>
    public static async Task ReplaceChecksAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string runId, IReadOnlyList<CheckResult> results, CancellationToken ct)
    {
        await using (var delete = new NpgsqlCommand("DELETE FROM meters.check_results WHERE run_id = $1", connection, tx))
        {
            delete.Parameters.Add(new() { Value = runId });
            await delete.ExecuteNonQueryAsync(ct);
        }
        var batch = new NpgsqlBatch(connection, tx);
        await using (batch)
        {
            foreach (var (result, ordinal) in results.Select((r, i) => (r, i)))
            {
                var command = new NpgsqlBatchCommand(InsertResult);
                command.Parameters.Add(new() { Value = runId });
                command.Parameters.Add(new() { Value = ordinal });
                command.Parameters.Add(new() { Value = result.Check });
                command.Parameters.Add(new() { Value = result.Severity.ToString().ToLowerInvariant() });
                command.Parameters.Add(new() { Value = result.Passed });
                command.Parameters.Add(new() { Value = (object?)result.Series ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
                command.Parameters.Add(new() { Value = (object?)result.WindowStart ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
                command.Parameters.Add(new() { Value = (object?)result.WindowEnd ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
                command.Parameters.Add(new() { Value = result.Count });
                command.Parameters.Add(new() { Value = result.Message });
                batch.BatchCommands.Add(command);
            }
            if (batch.BatchCommands.Count > 0) await batch.ExecuteNonQueryAsync(ct);
        }
        await using var status = new NpgsqlCommand("UPDATE meters.runs SET status = $2, finished_at = now() WHERE run_id = $1", connection, tx);
        status.Parameters.Add(new() { Value = runId });
        status.Parameters.Add(new() { Value = MeterChecks.Failed(results) ? "failed" : "succeeded" });
        await status.ExecuteNonQueryAsync(ct);
    }

    public static async Task RecordExportAsync(NpgsqlDataSource dataSource, string runId, int files, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("UPDATE meters.runs SET exported_files = $2 WHERE run_id = $1");
        command.Parameters.Add(new() { Value = runId });
        command.Parameters.Add(new() { Value = files });
        await command.ExecuteNonQueryAsync(ct);
    }
}
