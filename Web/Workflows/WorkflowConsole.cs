using System.Reflection;
using System.Text.Json;
using Durable;

namespace Web.Workflows;

/// <summary>A run as the console shows it: its description plus input, result and failure as JSON.</summary>
/// <remarks><c>TraceParent</c>: the W3C traceparent the run was started under (its telemetry trace), when there was one.</remarks>
public sealed record RunDetail(WorkflowDescription Run, JsonElement? Input, JsonElement? Result, string? ParentWorkflowId, IReadOnlyList<WorkflowDescription> Children,
    string? TraceParent = null);

public sealed record ReplayCheck(string WorkflowId, Guid RunId, string WorkflowType, bool Succeeded, string Outcome);

/// <summary>
/// What the workflow console shows beyond one <see cref="DurableClient"/> call: a run with its details and children,
/// and the replay check against the workflow classes deployed with this app (the Workflows assembly).
/// </summary>
public sealed class WorkflowConsole(DurableClient client, ILogger<WorkflowConsole> logger)
{
    /// <summary>The most children a run page lists (the newest; a run with more is better read through the list filter).</summary>
    const int MaxChildren = 200;

    public DurableClient Client => client;

    /// <summary>The run (latest of the ID without <paramref name="runId"/>), or null when the ID has no run.</summary>
    public async Task<RunDetail?> DescribeAsync(string workflowId, Guid? runId, CancellationToken ct)
    {
        WorkflowDetails details;
        try { details = await client.GetWorkflowHandle(workflowId, runId).FetchDetailsAsync(ct); }
        catch (InvalidOperationException) { return null; }
        var children = await client.ListWorkflowsAsync(new WorkflowListFilter { ParentRunId = details.Run.RunId, PageSize = MaxChildren }, ct);
        return new RunDetail(details.Run, details.Input, details.Result, details.ParentWorkflowId, children.Runs.Reverse().ToList(), details.TraceParent);
    }

    public Task<IReadOnlyList<ScheduleDescription>> SchedulesAsync(CancellationToken ct) => client.ListSchedulesAsync(ct);

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
