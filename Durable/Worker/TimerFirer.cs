using Durable.Storage;

namespace Durable;

/// <summary>Turns due timer rows into TimerFired events. Any worker may fire any timer; row locks keep each firing single.</summary>
internal sealed class TimerFirer(WorkerContext context)
{
    const string DueSql = """
        DELETE FROM durable.timers WHERE (run_id, command_index) IN (
            SELECT run_id, command_index FROM durable.timers WHERE fire_at <= $1 ORDER BY fire_at LIMIT 200 FOR UPDATE SKIP LOCKED)
        RETURNING run_id, command_index, fire_at
        """;
    const string NextSql = "SELECT min(fire_at) FROM durable.timers";

    public async Task<TimeSpan> PollAsync(CancellationToken ct)
    {
        var now = context.Now;
        await using var tx = await RunTransaction.BeginAsync(context.DataSource, ct);
        var due = new List<(Guid RunId, int Index)>();
        await using (var command = tx.Command(DueSql, now))
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) due.Add((reader.GetGuid(0), reader.GetInt32(1)));
        foreach (var group in due.GroupBy(d => d.RunId).OrderBy(g => g.Key))
        {
            if (await tx.LockRunAsync(group.Key, ct) is not { Status: WorkflowStatus.Running } run) continue;
            using var span = DurableTelemetry.StartChildSpan($"FireTimer:{run.WorkflowType}", run.TraceParent);
            tx.Append(run, group.Select(d => (EventTypes.TimerFired, new EventAttributes { CommandIndex = d.Index })).ToList(), now);
            tx.EnqueueWorkflowTask(run, now);
        }
        await tx.CommitAsync(ct);
        if (due.Count > 0) return TimeSpan.Zero;

        await using var next = tx.Connection.CreateCommand();
        next.CommandText = NextSql;
        var nextFire = await next.ExecuteScalarAsync(ct) is DateTime at ? new DateTimeOffset(at, TimeSpan.Zero) : (DateTimeOffset?)null;
        var wait = context.Options.PollInterval;
        if (nextFire is { } n && n - context.Now < wait) wait = n - context.Now;
        return wait > TimeSpan.FromMilliseconds(5) ? wait : TimeSpan.FromMilliseconds(5);
    }
}
