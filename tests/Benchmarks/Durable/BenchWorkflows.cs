using global::Durable;

namespace Durable;

public sealed class BenchActivities
{
    public Task<int> NoopAsync(int i) => Task.FromResult(i);

    public async Task HoldAsync(int ms) => await Task.Delay(ms, ActivityExecutionContext.Current.CancellationToken);
}

[Workflow]
public sealed class StepsWorkflow
{
    static readonly ActivityOptions Options = new() { StartToCloseTimeout = TimeSpan.FromSeconds(30) };

    [WorkflowRun]
    public async Task<int> RunAsync(int steps)
    {
        var sum = 0;
        for (var i = 0; i < steps; i++) sum += await Workflow.ExecuteActivityAsync((BenchActivities a) => a.NoopAsync(i), Options);
        return sum;
    }
}

[Workflow]
public sealed class HoldWorkflow
{
    [WorkflowRun]
    public Task RunAsync(int ms) => Workflow.ExecuteActivityAsync((BenchActivities a) => a.HoldAsync(ms),
        new ActivityOptions { StartToCloseTimeout = TimeSpan.FromMinutes(5) });
}

[Workflow]
public sealed class ParkedWorkflow
{
    bool _released;

    [WorkflowRun]
    public async Task RunAsync(bool onTimer)
    {
        if (onTimer) await Workflow.DelayAsync(TimeSpan.FromHours(1));
        else await Workflow.WaitConditionAsync(() => _released);
    }

    [WorkflowSignal]
    public Task ReleaseAsync() { _released = true; return Task.CompletedTask; }
}
