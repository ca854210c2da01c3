using System.Reflection;
using System.Text.Json;
using Durable;
using Npgsql;

namespace Web.Workflows;

/// <summary>A run as the console shows it: its description plus input, result and failure as JSON.</summary>
/// <remarks><c>TraceParent</c>: the W3C traceparent the run was started under (its telemetry trace), when there was one.</remarks>
public sealed record RunDetail(WorkflowDescription Run, JsonElement? Input, JsonElement? Result, string? ParentWorkflowId, IReadOnlyList<WorkflowDescription> Children,
    string? TraceParent = null);

public sealed record ScheduleRow(string ScheduleId, string Cron, string TimeZone, string WorkflowType, string TaskQueue, string Overlap, bool Paused,
    DateTimeOffset NextFireAt, string? LastWorkflowId, int FiredCount, int SkippedCount);

public sealed record ReplayCheck(string WorkflowId, Guid RunId, string WorkflowType, bool Succeeded, string Outcome);

/// <summary>
/// What the workflow console needs beyond <see cref="DurableClient"/>'s public API: a run's input and result, its
/// children, the schedule list (read-only SQL on the <c>durable</c> schema) and the replay check against the workflow
/// classes deployed with this app (the Workflows assembly).
/// </summary>
public sealed class WorkflowConsole(DurableClient client, NpgsqlDataSource dataSource, ILogger<WorkflowConsole> logger)
{
    public DurableClient Client => client;

    const string RunSql = """
        SELECT input::text, result::text, parent_workflow_id, trace_parent FROM durable.runs WHERE run_id = $1
        """;
    const string ChildrenSql = """
        SELECT workflow_id, run_id, workflow_type, task_queue, status, started_at, closed_at, failure::text, parent_run_id, next_run_id, schedule_id, next_seq - 1
        FROM durable.runs WHERE parent_run_id = $1 ORDER BY started_at LIMIT 200
        """;

    /// <summary>The run (latest of the ID without <paramref name="runId"/>), or null when the ID has no run.</summary>
    public async Task<RunDetail?> DescribeAsync(string workflowId, Guid? runId, CancellationToken ct)
    {
        WorkflowDescription description;
        try { description = await client.GetWorkflowHandle(workflowId, runId).DescribeAsync(ct); }
        catch (InvalidOperationException) { return null; }
        JsonElement? input = null, result = null;
        string? parent = null, traceParent = null;
        await using (var command = dataSource.CreateCommand(RunSql))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = description.RunId });
            await using var r = await command.ExecuteReaderAsync(ct);
            if (await r.ReadAsync(ct))
            {
                input = r.IsDBNull(0) ? null : JsonDocument.Parse(r.GetString(0)).RootElement;
                result = r.IsDBNull(1) ? null : JsonDocument.Parse(r.GetString(1)).RootElement;
                parent = r.IsDBNull(2) ? null : r.GetString(2);
                traceParent = r.IsDBNull(3) ? null : r.GetString(3);
            }
        }
        var children = new List<WorkflowDescription>();
        await using (var command = dataSource.CreateCommand(ChildrenSql))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = description.RunId });
            await using var r = await command.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
                children.Add(new(r.GetString(0), r.GetGuid(1), r.GetString(2), r.GetString(3), Enum.Parse<WorkflowStatus>(r.GetString(4)), r.GetFieldValue<DateTimeOffset>(5),
                    r.IsDBNull(6) ? null : r.GetFieldValue<DateTimeOffset>(6), null, // a child's failure is on its own run page
                    r.IsDBNull(8) ? null : r.GetGuid(8), r.IsDBNull(9) ? null : r.GetGuid(9), r.IsDBNull(10) ? null : r.GetString(10), r.GetInt64(11)));
        }
        return new RunDetail(description, input, result, parent, children, traceParent);
    }

    public async Task<IReadOnlyList<ScheduleRow>> SchedulesAsync(CancellationToken ct)
    {
        await client.CountWorkflowsAsync(new WorkflowListFilter { WorkflowType = "" }, ct); // applies the durable schema on first use
        await using var command = dataSource.CreateCommand("""
            SELECT schedule_id, cron, time_zone, workflow_type, task_queue, overlap, paused, next_fire_at, last_workflow_id, fired_count, skipped_count
            FROM durable.schedules ORDER BY schedule_id
            """);
        var rows = new List<ScheduleRow>();
        await using var r = await command.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            rows.Add(new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetBoolean(6),
                r.GetFieldValue<DateTimeOffset>(7), r.IsDBNull(8) ? null : r.GetString(8), r.GetInt32(9), r.GetInt32(10)));
        return rows;
    }

    /// <summary>Replays the run's history against the deployed workflow code: proves the code still produces the recorded commands.</summary>
    public async Task<ReplayCheck> ReplayAsync(string workflowId, Guid? runId, CancellationToken ct)
    {
        var history = await client.GetWorkflowHandle(workflowId, runId).FetchHistoryAsync(ct);
        if (!DeployedWorkflows.Value.TryGetValue(history.WorkflowType, out var type))
            return new(history.WorkflowId, history.RunId, history.WorkflowType, false,
                $"workflow type {history.WorkflowType} is not among the workflows deployed with this app ({string.Join(", ", DeployedWorkflows.Value.Keys.DefaultIfEmpty("none"))}): nothing to replay against");
        var result = new WorkflowReplayer().AddWorkflow(type).Replay(history);
        return new(history.WorkflowId, history.RunId, history.WorkflowType, result.Succeeded,
            result.Succeeded ? $"replayed {history.Events.Count} events: the deployed code issues the recorded commands" : result.Error?.Message ?? "replay failed");
    }

    Lazy<Dictionary<string, Type>> DeployedWorkflows => _deployed ??= new(FindWorkflows);
    Lazy<Dictionary<string, Type>>? _deployed;

    Dictionary<string, Type> FindWorkflows()
    {
        var found = new Dictionary<string, Type>(StringComparer.Ordinal);
        try
        {
            var assembly = Assembly.Load("Workflows");
            foreach (var type in assembly.GetExportedTypes().Where(t => t.GetCustomAttribute<WorkflowAttribute>() is not null))
                found[type.GetCustomAttribute<WorkflowAttribute>()!.Name ?? type.Name] = type;
        }
        catch (Exception e) when (e is FileNotFoundException or ReflectionTypeLoadException or BadImageFormatException)
        {
            logger.LogWarning(e, "the Workflows assembly could not be loaded; the replay check is unavailable");
        }
        return found;
    }
}
