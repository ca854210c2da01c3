namespace Durable.TestWorker;

public static class Opts
{
    public static readonly ActivityOptions Standard = new()
    {
        StartToCloseTimeout = TimeSpan.FromSeconds(30),
        RetryPolicy = new() { InitialInterval = TimeSpan.FromMilliseconds(100), MaximumInterval = TimeSpan.FromSeconds(1) },
    };
}

[Workflow]
public sealed class SequentialWorkflow
{
    public int Completed { get; private set; }

    [WorkflowRun]
    public async Task<int> RunAsync(string key, int steps, int holdMs, int pauseMs)
    {
        var sum = 0;
        for (var i = 1; i <= steps; i++)
        {
            sum += await Workflow.ExecuteActivityAsync((TestActivities a) => a.StepAsync(key, i, holdMs), Opts.Standard);
            Completed = i;
            if (pauseMs > 0) await Workflow.DelayAsync(TimeSpan.FromMilliseconds(pauseMs));
        }
        return sum;
    }

    [WorkflowQuery]
    public int Progress => Completed;
}

[Workflow]
public sealed class NoopWorkflow
{
    [WorkflowRun]
    public async Task<int> RunAsync(int steps)
    {
        var sum = 0;
        for (var i = 0; i < steps; i++) sum += await Workflow.ExecuteActivityAsync((TestActivities a) => a.NoopAsync(i), Opts.Standard);
        return sum;
    }
}

[Workflow]
public sealed class ApprovalWorkflow
{
    readonly List<string> _approvals = [];
    bool _done;

    [WorkflowRun]
    public async Task<string> RunAsync(int needed)
    {
        await Workflow.WaitConditionAsync(() => _approvals.Count >= needed || _done);
        return string.Join(",", _approvals);
    }

    [WorkflowSignal]
    public Task ApproveAsync(string who)
    {
        _approvals.Add(who);
        return Task.CompletedTask;
    }

    [WorkflowSignal]
    public Task FinishAsync()
    {
        _done = true;
        return Task.CompletedTask;
    }

    [WorkflowQuery]
    public string Stage => _approvals.Count == 0 ? "waiting" : $"approved by {string.Join(",", _approvals)}";
}

[Workflow]
public sealed class TimerWorkflow
{
    [WorkflowRun]
    public async Task<DateTime> RunAsync(string key, int delayMs)
    {
        var before = Workflow.UtcNow;
        await Workflow.DelayAsync(TimeSpan.FromMilliseconds(delayMs));
        await Workflow.ExecuteActivityAsync((TestActivities a) => a.StepAsync(key, 1, 0), Opts.Standard);
        return before;
    }
}

[Workflow]
public sealed class RetryWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(string key, string mode, int attempts)
    {
        var retry = new RetryPolicy { InitialInterval = TimeSpan.FromMilliseconds(200), BackoffCoefficient = 2, MaximumAttempts = attempts };
        try
        {
            switch (mode)
            {
                case "flaky":
                    var attempt = await Workflow.ExecuteActivityAsync((TestActivities a) => a.FlakyAsync(key, 4),
                        new ActivityOptions { StartToCloseTimeout = TimeSpan.FromSeconds(10), RetryPolicy = retry });
                    return $"succeeded on attempt {attempt}";
                case "hard":
                    await Workflow.ExecuteActivityAsync((TestActivities a) => a.FailHardAsync(key), new ActivityOptions { StartToCloseTimeout = TimeSpan.FromSeconds(10), RetryPolicy = retry });
                    return "unreachable";
                case "timeout":
                    await Workflow.ExecuteActivityAsync((TestActivities a) => a.HangAsync(key, 60_000),
                        new ActivityOptions { StartToCloseTimeout = TimeSpan.FromMilliseconds(300), RetryPolicy = retry with { InitialInterval = TimeSpan.FromMilliseconds(50) } });
                    return "unreachable";
                case "heartbeat":
                    await Workflow.ExecuteActivityAsync((TestActivities a) => a.HangAsync(key, 60_000),
                        new ActivityOptions { StartToCloseTimeout = TimeSpan.FromSeconds(30), HeartbeatTimeout = TimeSpan.FromMilliseconds(400), RetryPolicy = retry with { InitialInterval = TimeSpan.FromMilliseconds(50) } });
                    return "unreachable";
                case "schedule-to-close":
                    await Workflow.ExecuteActivityAsync((TestActivities a) => a.FlakyAsync(key, 1000),
                        new ActivityOptions { ScheduleToCloseTimeout = TimeSpan.FromMilliseconds(900), RetryPolicy = new RetryPolicy { InitialInterval = TimeSpan.FromMilliseconds(200), BackoffCoefficient = 1 } });
                    return "unreachable";
                case "progress":
                    var resumedAt = await Workflow.ExecuteActivityAsync((TestActivities a) => a.ProgressAsync(key, 10, 5),
                        new ActivityOptions { StartToCloseTimeout = TimeSpan.FromSeconds(10), RetryPolicy = retry with { InitialInterval = TimeSpan.FromMilliseconds(50) } });
                    return $"resumed at {resumedAt}";
            }
        }
        catch (ActivityFailureException e)
        {
            return $"failed: {e.Failure.Type}";
        }
        return "unknown mode";
    }
}

[Workflow]
public sealed class ParentWorkflow
{
    [WorkflowRun]
    public async Task<int> RunAsync(string key, int children)
    {
        var tasks = Enumerable.Range(1, children)
            .Select(i => Workflow.ExecuteChildWorkflowAsync((SequentialWorkflow c) => c.RunAsync($"{key}-c{i}", 2, 0, 0)))
            .ToList();
        return (await Task.WhenAll(tasks)).Sum();
    }
}

[Workflow]
public sealed class FanOutWorkflow
{
    [WorkflowRun]
    public async Task<int> RunAsync(string key, int count, int holdMs)
    {
        var tasks = Enumerable.Range(1, count).Select(i => Workflow.ExecuteActivityAsync((TestActivities a) => a.StepAsync(key, i, holdMs), Opts.Standard));
        return (await Task.WhenAll(tasks)).Sum();
    }
}

[Workflow]
public sealed class CancellableWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(string key, bool child)
    {
        try
        {
            if (child) await Workflow.ExecuteChildWorkflowAsync((CancellableWorkflow c) => c.RunAsync($"{key}-child", false));
            else await Workflow.ExecuteActivityAsync((TestActivities a) => a.HangAsync(key, 60_000),
                new ActivityOptions { StartToCloseTimeout = TimeSpan.FromMinutes(1), HeartbeatTimeout = TimeSpan.FromSeconds(30) });
            return "not cancelled";
        }
        catch (Exception e) when (e is OperationCanceledException or ChildWorkflowFailureException)
        {
            // Cleanup runs on a fresh token: the workflow's own token is cancelled.
            await Workflow.ExecuteActivityAsync((TestActivities a) => a.StepAsync($"{key}-cleanup", 1, 0), Opts.Standard with { CancellationToken = new CancellationTokenSource().Token });
            throw;
        }
    }
}

[Workflow]
public sealed class CounterWorkflow
{
    [WorkflowRun]
    public async Task<int> RunAsync(int value, int until)
    {
        value = await Workflow.ExecuteActivityAsync((TestActivities a) => a.NoopAsync(value + 1), Opts.Standard);
        if (value < until) throw Workflow.CreateContinueAsNewException((CounterWorkflow w) => w.RunAsync(value, until));
        return value;
    }
}

[Workflow]
public sealed class ExactlyOnceWorkflow
{
    [WorkflowRun]
    public Task<int> RunAsync(string key) => Workflow.ExecuteActivityAsync((TestActivities a) => a.InsertRowAsync(key, 1),
        new ActivityOptions { StartToCloseTimeout = TimeSpan.FromSeconds(30), RetryPolicy = new() { InitialInterval = TimeSpan.FromMilliseconds(50) } });
}

[Workflow]
public sealed class ToggleWorkflow
{
    [WorkflowRun]
    public Task<string> RunAsync() => Workflow.ExecuteActivityAsync((TestActivities a) => a.ToggleAsync(), Opts.Standard);
}

[Workflow]
public sealed class DeterministicApisWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        var first = $"{Workflow.NewGuid()}|{Workflow.Random.Next()}|{Workflow.UtcNow:O}";
        await Workflow.DelayAsync(TimeSpan.FromMilliseconds(50));
        return first;
    }

    [WorkflowQuery]
    public string Snapshot => "ok";
}
