using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Durable;

public sealed record ReplayResult(string WorkflowId, Guid RunId, bool Succeeded, Exception? Error);

/// <summary>
/// Replays exported histories against the current workflow code to prove a change is safe: every recorded step must
/// issue the same commands. Use it from a unit test or from a command line (<see cref="RunCommandLineAsync"/>).
/// </summary>
public sealed class WorkflowReplayer(DurableSerializer? serializer = null, ILogger? logger = null)
{
    readonly Dictionary<string, WorkflowDefinition> _workflows = [];
    readonly DurableSerializer _serializer = serializer ?? DurableSerializer.Default;

    public WorkflowReplayer AddWorkflow<TWorkflow>() => AddWorkflow(typeof(TWorkflow));

    public WorkflowReplayer AddWorkflow(Type type)
    {
        var definition = WorkflowDefinition.For(type);
        _workflows[definition.Name] = definition;
        return this;
    }

    public ReplayResult Replay(WorkflowHistory history)
    {
        try
        {
            if (!_workflows.TryGetValue(history.WorkflowType, out var definition))
                throw new WorkflowDefinitionException($"workflow type {history.WorkflowType} is not registered with the replayer");
            var started = history.Events.FirstOrDefault();
            var info = new WorkflowInfo(history.WorkflowId, history.RunId, history.WorkflowType, history.TaskQueue, started?.Time ?? default, null);
            WorkflowExecution.Replay(definition, info, history.Events, _serializer, logger ?? NullLogger.Instance);
            return new ReplayResult(history.WorkflowId, history.RunId, true, null);
        }
        catch (Exception e)
        {
            return new ReplayResult(history.WorkflowId, history.RunId, false, e);
        }
    }

    public ReplayResult ReplayJson(string json) => Replay(WorkflowHistory.FromJson(json));

    /// <summary>
    /// For an application's Main: <c>replay file1.json [file2.json …]</c>. Prints one line per history and returns
    /// 0 when all replay cleanly, 1 otherwise.
    /// </summary>
    public async Task<int> RunCommandLineAsync(IEnumerable<string> files, TextWriter output)
    {
        var failed = 0;
        foreach (var file in files)
        {
            var result = ReplayJson(await File.ReadAllTextAsync(file));
            if (!result.Succeeded) failed++;
            await output.WriteLineAsync(result.Succeeded ? $"ok   {file} ({result.WorkflowId})" : $"FAIL {file} ({result.WorkflowId}): {result.Error!.Message}");
        }
        return failed == 0 ? 0 : 1;
    }
}
