using Google.Protobuf;
using Npgsql;
using NpgsqlTypes;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Schedule.V1;

namespace TemporalServer.Schedules;

/// <summary>Reads and writes temporal.schedules; a row is changed only while its lock is held.</summary>
sealed class ScheduleStore(NpgsqlDataSource dataSource)
{
    const string Columns = "namespace, schedule_id, schedule, info, memo, search_attributes, conflict_token, processed_until, buffered";

    public NpgsqlDataSource DataSource => dataSource;

    public static async Task<ScheduleRow?> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string ns, string scheduleId, bool forUpdate, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT {Columns} FROM temporal.schedules WHERE namespace = $1 AND schedule_id = $2" + (forUpdate ? " FOR UPDATE" : ""), connection, tx);
        command.Parameters.Add(new() { Value = ns });
        command.Parameters.Add(new() { Value = scheduleId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    /// <summary>Due rows no other server is working on (SKIP LOCKED), locked until the transaction ends.</summary>
    public static async Task<List<ScheduleRow>> LockDueAsync(NpgsqlConnection connection, NpgsqlTransaction tx, DateTime now, int limit, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT {Columns} FROM temporal.schedules WHERE wake_at <= $1 ORDER BY wake_at LIMIT $2 FOR UPDATE SKIP LOCKED", connection, tx);
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = limit });
        var rows = new List<ScheduleRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) rows.Add(Read(reader));
        return rows;
    }

    /// <summary>A page of the namespace's schedules matching <paramref name="where"/> (a list filter's SQL, parameters from $4).</summary>
    public async Task<List<ScheduleRow>> ListAsync(string ns, string where, IEnumerable<NpgsqlParameter> parameters, int offset, int limit, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns} FROM temporal.schedules WHERE namespace = $1 AND ({where}) ORDER BY schedule_id LIMIT $2 OFFSET $3");
        command.Parameters.Add(new() { Value = ns });
        command.Parameters.Add(new() { Value = limit });
        command.Parameters.Add(new() { Value = offset });
        command.Parameters.AddRange(parameters.ToArray());
        var rows = new List<ScheduleRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) rows.Add(Read(reader));
        return rows;
    }

    /// <summary>Inserts a new schedule; false when the id is taken in the namespace.</summary>
    public static async Task<bool> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction tx, ScheduleRow row, DateTime? wakeAt, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"""
            INSERT INTO temporal.schedules ({Columns}, wake_at, search_document) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
            ON CONFLICT (namespace, schedule_id) DO NOTHING
            """, connection, tx);
        AddParameters(command, row, wakeAt);
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    public static async Task UpdateAsync(NpgsqlConnection connection, NpgsqlTransaction tx, ScheduleRow row, DateTime? wakeAt, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            UPDATE temporal.schedules SET schedule = $3, info = $4, memo = $5, search_attributes = $6, conflict_token = $7,
                processed_until = $8, buffered = $9, wake_at = $10, search_document = $11
            WHERE namespace = $1 AND schedule_id = $2
            """, connection, tx);
        AddParameters(command, row, wakeAt);
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task<bool> DeleteAsync(string ns, string scheduleId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM temporal.schedules WHERE namespace = $1 AND schedule_id = $2");
        command.Parameters.Add(new() { Value = ns });
        command.Parameters.Add(new() { Value = scheduleId });
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>The current status of each given run (the overlap policy asks which are still running).</summary>
    public static async Task<Dictionary<string, WorkflowExecutionStatus>> StatusesAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IEnumerable<string> runIds, CancellationToken ct)
    {
        var ids = runIds.Select(Guid.Parse).ToArray();
        var statuses = new Dictionary<string, WorkflowExecutionStatus>();
        if (ids.Length == 0) return statuses;
        await using var command = new NpgsqlCommand("SELECT run_id, status FROM temporal.executions WHERE run_id = ANY($1)", connection, tx);
        command.Parameters.Add(new() { Value = ids });
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) statuses[reader.GetGuid(0).ToString()] = (WorkflowExecutionStatus)reader.GetInt32(1);
        return statuses;
    }

    static void AddParameters(NpgsqlCommand command, ScheduleRow row, DateTime? wakeAt)
    {
        command.Parameters.Add(new() { Value = row.Namespace });
        command.Parameters.Add(new() { Value = row.ScheduleId });
        command.Parameters.Add(new() { Value = row.Schedule.ToByteArray() });
        command.Parameters.Add(new() { Value = row.Info.ToByteArray() });
        command.Parameters.Add(new() { Value = (object?)row.Memo?.ToByteArray() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bytea });
        command.Parameters.Add(new() { Value = (object?)row.SearchAttributes?.ToByteArray() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bytea });
        command.Parameters.Add(new() { Value = row.ConflictToken });
        command.Parameters.Add(new() { Value = row.ProcessedUntil, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = row.Buffered.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = (object?)wakeAt ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = row.SearchDocument(), NpgsqlDbType = NpgsqlDbType.Jsonb });
    }

    static ScheduleRow Read(NpgsqlDataReader reader) => new()
    {
        Namespace = reader.GetString(0),
        ScheduleId = reader.GetString(1),
        Schedule = Schedule.Parser.ParseFrom(reader.GetFieldValue<byte[]>(2)),
        Info = ScheduleInfo.Parser.ParseFrom(reader.GetFieldValue<byte[]>(3)),
        Memo = reader.IsDBNull(4) ? null : Memo.Parser.ParseFrom(reader.GetFieldValue<byte[]>(4)),
        SearchAttributes = reader.IsDBNull(5) ? null : SearchAttributes.Parser.ParseFrom(reader.GetFieldValue<byte[]>(5)),
        ConflictToken = reader.GetInt64(6),
        ProcessedUntil = reader.GetDateTime(7),
        Buffered = [.. reader.GetFieldValue<DateTime[]>(8)],
    };
}
