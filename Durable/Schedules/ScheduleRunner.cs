using System.Globalization;
using System.Text.Json;
using Durable.Storage;

namespace Durable;

/// <summary>
/// Fires due schedules. Each due schedule row is locked (SKIP LOCKED), every fire time since the last run is walked:
/// times older than the catch-up window are skipped, the rest go through the overlap policy.
/// </summary>
internal sealed class ScheduleRunner(WorkerContext context)
{
    const string DueSql = """
        SELECT schedule_id, cron, time_zone, workflow_type, workflow_input::text, task_queue, overlap, catchup_window_ms, next_fire_at, buffered_fire_at, last_workflow_id
        FROM durable.schedules
        WHERE NOT paused AND (next_fire_at <= $1 OR buffered_fire_at IS NOT NULL)
        ORDER BY next_fire_at LIMIT 20 FOR UPDATE SKIP LOCKED
        """;
    const string RunningSql = "SELECT 1 FROM durable.runs WHERE workflow_id = $1 AND status = 'Running'";
    const string UpdateSql = """
        UPDATE durable.schedules SET next_fire_at = $2, buffered_fire_at = $3, last_workflow_id = $4,
            fired_count = fired_count + $5, skipped_count = skipped_count + $6
        WHERE schedule_id = $1
        """;
    const string NextSql = "SELECT min(next_fire_at) FROM durable.schedules WHERE NOT paused";

    public static string WorkflowIdFor(string scheduleId, DateTimeOffset fireAt) =>
        $"{scheduleId}-{fireAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}";

    sealed record Due(string Id, CronExpression Cron, TimeZoneInfo Zone, string Type, JsonElement Input, string Queue, ScheduleOverlapPolicy Overlap,
        TimeSpan Catchup, DateTimeOffset NextFireAt, DateTimeOffset? Buffered, string? LastWorkflowId);

    public async Task<TimeSpan> PollAsync(CancellationToken ct)
    {
        var now = context.Now;
        await using var tx = await RunTransaction.BeginAsync(context.DataSource, ct);
        var due = new List<Due>();
        await using (var command = tx.Command(DueSql, now))
        await using (var r = await command.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
                due.Add(new Due(r.GetString(0), CronExpression.Parse(r.GetString(1)), TimeZoneInfo.FindSystemTimeZoneById(r.GetString(2)), r.GetString(3),
                    JsonDocument.Parse(r.GetString(4)).RootElement, r.GetString(5), Enum.Parse<ScheduleOverlapPolicy>(r.GetString(6)),
                    TimeSpan.FromMilliseconds(r.GetInt64(7)), r.GetFieldValue<DateTimeOffset>(8), r.IsDBNull(9) ? null : r.GetFieldValue<DateTimeOffset>(9),
                    r.IsDBNull(10) ? null : r.GetString(10)));

        foreach (var s in due)
        {
            var last = s.LastWorkflowId;
            var buffered = s.Buffered;
            int fired = 0, skipped = 0;
            var running = last is not null && await IsRunningAsync(tx, last, ct);
            if (buffered is { } b && !running)
            {
                last = await StartAsync(tx, s, b, now, ct) ?? last;
                buffered = null;
                fired++;
                running = true;
            }
            var next = s.NextFireAt;
            for (var guard = 0; next <= now && guard < 10_000; guard++)
            {
                var fireAt = next;
                next = s.Cron.Next(fireAt, s.Zone) ?? DateTimeOffset.MaxValue;
                if (now - fireAt > s.Catchup) { skipped++; continue; }
                if (running && s.Overlap == ScheduleOverlapPolicy.Skip) { skipped++; continue; }
                if (running && s.Overlap == ScheduleOverlapPolicy.BufferOne)
                {
                    if (buffered is null) buffered = fireAt; else skipped++;
                    continue;
                }
                last = await StartAsync(tx, s, fireAt, now, ct) ?? last;
                fired++;
                running = true;
            }
            await tx.ExecuteAsync(UpdateSql, ct, s.Id, next, buffered, last, fired, skipped);
        }
        await tx.CommitAsync(ct);

        await using var nextCommand = tx.Connection.CreateCommand();
        nextCommand.CommandText = NextSql;
        var wait = context.Options.PollInterval;
        if (await nextCommand.ExecuteScalarAsync(ct) is DateTime at && new DateTimeOffset(at, TimeSpan.Zero) - context.Now < wait)
            wait = new DateTimeOffset(at, TimeSpan.Zero) - context.Now;
        return wait > TimeSpan.FromMilliseconds(10) ? wait : TimeSpan.FromMilliseconds(10);
    }

    static async Task<bool> IsRunningAsync(RunTransaction tx, string workflowId, CancellationToken ct)
    {
        await using var command = tx.Command(RunningSql, workflowId);
        return await command.ExecuteScalarAsync(ct) is not null;
    }

    static async Task<string?> StartAsync(RunTransaction tx, Due s, DateTimeOffset fireAt, DateTimeOffset now, CancellationToken ct)
    {
        var id = WorkflowIdFor(s.Id, fireAt);
        var runId = Guid.CreateVersion7();
        var created = await tx.CreateRunAsync(new NewRun(id, s.Type, s.Queue, s.Input)
        {
            RunId = runId,
            ScheduleId = s.Id,
            TraceParent = DurableTelemetry.StartRunSpan(s.Type, id, runId, null),
        }, now, ct);
        return created is null ? null : id;
    }
}
