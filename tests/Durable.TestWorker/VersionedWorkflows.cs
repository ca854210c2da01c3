namespace Durable.TestWorker;

// Two versions of the same workflow type: V2 changes the first command, which replay must reject.

[Workflow("Versioned")]
public sealed class VersionedV1
{
    bool _go;

    [WorkflowRun]
    public async Task<int> RunAsync(string key)
    {
        var a = await Workflow.ExecuteActivityAsync((TestActivities x) => x.StepAsync(key, 1, 0), Opts.Standard);
        await Workflow.WaitConditionAsync(() => _go);
        return a + await Workflow.ExecuteActivityAsync((TestActivities x) => x.StepAsync(key, 2, 0), Opts.Standard);
    }

    [WorkflowSignal]
    public Task GoAsync() { _go = true; return Task.CompletedTask; }
}

[Workflow("Versioned")]
public sealed class VersionedV2
{
    bool _go;

    [WorkflowRun]
    public async Task<int> RunAsync(string key)
    {
        await Workflow.DelayAsync(TimeSpan.FromMilliseconds(10)); // new first command: not in the recorded history
        var a = await Workflow.ExecuteActivityAsync((TestActivities x) => x.StepAsync(key, 1, 0), Opts.Standard);
        await Workflow.WaitConditionAsync(() => _go);
        return a;
    }

    [WorkflowSignal]
    public Task GoAsync() { _go = true; return Task.CompletedTask; }
}
