using System.Text.Json;
using Durable.Storage;
using Npgsql;

namespace Durable;

public enum ScheduleOverlapPolicy
{
    /// <summary>Do not start while the previous scheduled run is still running.</summary>
    Skip,
    /// <summary>Keep one pending start and run it when the current run closes; further ones are skipped.</summary>
    BufferOne,
    /// <summary>Start every time, overlapping freely.</summary>
    AllowAll,
}

public sealed record ScheduleOptions(string Cron, string TaskQueue)
{
    /// <summary>IANA or Windows time-zone ID the cron fields are read in.</summary>
    public string TimeZone { get; init; } = "UTC";
    public ScheduleOverlapPolicy Overlap { get; init; } = ScheduleOverlapPolicy.Skip;
    /// <summary>After downtime, missed fire times younger than this are still acted on; older ones are skipped.</summary>
    public TimeSpan CatchupWindow { get; init; } = TimeSpan.FromMinutes(1);
    public bool Paused { get; init; }
}

public sealed record ScheduleDescription(string ScheduleId, string Cron, string TimeZone, string WorkflowType, ScheduleOverlapPolicy Overlap,
    bool Paused, DateTimeOffset NextFireAt, DateTimeOffset? BufferedFireAt, string? LastWorkflowId, int FiredCount, int SkippedCount, string TaskQueue);

/// <summary>Operations on one schedule. Scheduled runs get workflow IDs "{scheduleId}-{fire time, UTC, yyyyMMddTHHmmssZ}".</summary>
public sealed class ScheduleHandle(DurableClient client, string scheduleId)
{
    public string ScheduleId { get; } = scheduleId;

    const string InsertSql = """
        INSERT INTO durable.schedules (schedule_id, cron, time_zone, workflow_type, workflow_input, task_queue, overlap, catchup_window_ms, paused, next_fire_at, created_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
        ON CONFLICT (schedule_id) DO UPDATE SET cron = $2, time_zone = $3, workflow_type = $4, workflow_input = $5, task_queue = $6,
            overlap = $7, catchup_window_ms = $8, paused = $9, next_fire_at = $10
        """;

    internal static async Task<ScheduleHandle> CreateAsync(DurableClient client, string id, string workflowType, JsonElement input, ScheduleOptions options, CancellationToken ct)
    {
        var cron = CronExpression.Parse(options.Cron);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(options.TimeZone);
        var now = client.Now;
        var next = cron.Next(now, zone) ?? throw new ArgumentException($"cron '{options.Cron}' never fires");
        await using var tx = await client.BeginAsync(ct);
        await tx.ExecuteAsync(InsertSql, ct, id, options.Cron, options.TimeZone, workflowType, RunTransaction.Json(input), options.TaskQueue,
            options.Overlap.ToString(), (long)options.CatchupWindow.TotalMilliseconds, options.Paused, next, now);
        tx.Notify("s");
        await tx.CommitAsync(ct);
        return new ScheduleHandle(client, id);
    }

    public Task PauseAsync(CancellationToken ct = default) => SetPausedAsync(true, ct);

    /// <summary>Resumes from now: fire times that passed while paused are not caught up.</summary>
    public Task UnpauseAsync(CancellationToken ct = default) => SetPausedAsync(false, ct);

    async Task SetPausedAsync(bool paused, CancellationToken ct)
    {
        var description = await DescribeAsync(ct);
        var next = CronExpression.Parse(description.Cron).Next(client.Now, TimeZoneInfo.FindSystemTimeZoneById(description.TimeZone))!.Value;
        await using var tx = await client.BeginAsync(ct);
        await tx.ExecuteAsync("UPDATE durable.schedules SET paused = $2, next_fire_at = CASE WHEN $2 THEN next_fire_at ELSE $3 END WHERE schedule_id = $1", ct, ScheduleId, paused, next);
        tx.Notify("s");
        await tx.CommitAsync(ct);
    }

    /// <summary>Starts a run now, regardless of the cron and overlap policy.</summary>
    public async Task<WorkflowHandle> TriggerAsync(CancellationToken ct = default)
    {
        string type, queue, input;
        await using (var tx = await client.BeginAsync(ct))
        {
            await using var command = tx.Command("SELECT workflow_type, task_queue, workflow_input::text FROM durable.schedules WHERE schedule_id = $1", ScheduleId);
            await using var reader = await command.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct)) throw new InvalidOperationException($"schedule {ScheduleId} not found");
            (type, queue, input) = (reader.GetString(0), reader.GetString(1), reader.GetString(2));
        }
        var id = ScheduleRunner.WorkflowIdFor(ScheduleId, client.Now);
        var runId = await client.StartAsync(type, JsonDocument.Parse(input).RootElement, new WorkflowOptions(id, queue), ct, ScheduleId);
        await using (var tx = await client.BeginAsync(ct))
        {
            await tx.ExecuteAsync("UPDATE durable.schedules SET last_workflow_id = $2, fired_count = fired_count + 1 WHERE schedule_id = $1", ct, ScheduleId, id);
            await tx.CommitAsync(ct);
        }
        return new WorkflowHandle(client, id, runId);
    }

    public async Task DeleteAsync(CancellationToken ct = default)
    {
        await using var tx = await client.BeginAsync(ct);
        await tx.ExecuteAsync("DELETE FROM durable.schedules WHERE schedule_id = $1", ct, ScheduleId);
        await tx.CommitAsync(ct);
    }

    public async Task<ScheduleDescription> DescribeAsync(CancellationToken ct = default)
    {
        await using var tx = await client.BeginAsync(ct);
        await using var command = tx.Command(SelectSql + " WHERE schedule_id = $1", ScheduleId);
        await using var r = await command.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? Read(r) : throw new InvalidOperationException($"schedule {ScheduleId} not found");
    }

    internal const string SelectSql = """
        SELECT schedule_id, cron, time_zone, workflow_type, overlap, paused, next_fire_at, buffered_fire_at, last_workflow_id, fired_count, skipped_count, task_queue
        FROM durable.schedules
        """;

    internal static ScheduleDescription Read(NpgsqlDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), Enum.Parse<ScheduleOverlapPolicy>(r.GetString(4)), r.GetBoolean(5),
            r.GetFieldValue<DateTimeOffset>(6), r.IsDBNull(7) ? null : r.GetFieldValue<DateTimeOffset>(7), r.IsDBNull(8) ? null : r.GetString(8), r.GetInt32(9), r.GetInt32(10),
            r.GetString(11));
}
