using Temporalio.Converters;
using Temporalio.Activities;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace TemporalServer.Tests;

/// <summary>An activity, a timer, then a signal; its stage can be queried throughout.</summary>
[Workflow]
public sealed class GreetingWorkflow
{
    string? _name;

    [WorkflowQuery]
    public string Stage { get; private set; } = "started";

    [WorkflowRun]
    public async Task<string> RunAsync(string greeting)
    {
        Stage = "activity";
        var shout = await Workflow.ExecuteActivityAsync((GreetingActivities a) => a.Shout(greeting), new() { StartToCloseTimeout = TimeSpan.FromSeconds(10) });
        Stage = "timer";
        await Workflow.DelayAsync(TimeSpan.FromMilliseconds(300));
        Stage = "waiting";
        await Workflow.WaitConditionAsync(() => _name is not null);
        Stage = "done";
        return $"{shout} {_name}";
    }

    [WorkflowSignal]
    public Task NameAsync(string name)
    {
        _name = name;
        return Task.CompletedTask;
    }
}

public sealed class GreetingActivities
{
    [Activity]
    public string Shout(string text) => text.ToUpperInvariant();
}

/// <summary>Waits for a signal; the first one takes long to handle so that the second arrives during the same task.</summary>
[Workflow]
public sealed class SignalCollectorWorkflow
{
    readonly List<string> _signals = [];

    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        await Workflow.WaitConditionAsync(() => _signals.Count > 0);
        return string.Join(",", _signals);
    }

    [WorkflowSignal]
    public Task AddAsync(string value)
    {
        // Blocks the workflow task on purpose (deterministic: the result does not depend on it).
        if (_signals.Count == 0) Thread.Sleep(800);
        _signals.Add(value);
        return Task.CompletedTask;
    }
}

/// <summary>Sleeps until cancelled or terminated.</summary>
[Workflow]
public sealed class SleepingWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(TimeSpan sleep)
    {
        await Workflow.DelayAsync(sleep);
        return "woke";
    }
}

/// <summary>Runs one activity with the given options and returns its result.</summary>
[Workflow]
public sealed class ActivityWorkflow
{
    [WorkflowRun]
    public Task<string> RunAsync(ActivityCall call) =>
        Workflow.ExecuteActivityAsync((FlakyActivities a) => a.RunAsync(call.Key, call.FailuresBeforeSuccess, call.ErrorType, call.Sleep), new ActivityOptions
        {
            TaskQueue = call.TaskQueue,
            StartToCloseTimeout = call.StartToClose,
            ScheduleToCloseTimeout = call.ScheduleToClose,
            ScheduleToStartTimeout = call.ScheduleToStart,
            HeartbeatTimeout = call.Heartbeat,
            RetryPolicy = new RetryPolicy
            {
                InitialInterval = TimeSpan.FromMilliseconds(400),
                BackoffCoefficient = call.Backoff,
                MaximumAttempts = call.MaximumAttempts,
                NonRetryableErrorTypes = ["Fatal"],
            },
        });
}

public sealed record ActivityCall(string Key, int FailuresBeforeSuccess, string ErrorType = "Transient", int MaximumAttempts = 5, TimeSpan? Sleep = null,
    TimeSpan? StartToClose = null, TimeSpan? ScheduleToClose = null, TimeSpan? ScheduleToStart = null, TimeSpan? Heartbeat = null, string? TaskQueue = null, float Backoff = 2);

/// <summary>Fails a given number of times, remembering when each attempt started and what it heartbeated.</summary>
public sealed class FlakyActivities
{
    public Dictionary<string, List<(int Attempt, DateTime At, string? HeartbeatSeen)>> Attempts { get; } = [];

    [Activity]
    public async Task<string> RunAsync(string key, int failuresBeforeSuccess, string errorType, TimeSpan? sleep)
    {
        var context = ActivityExecutionContext.Current;
        var seen = context.Info.HeartbeatDetails.Count > 0 ? await context.Info.HeartbeatDetailAtAsync<string>(0) : null;
        lock (Attempts)
        {
            if (!Attempts.TryGetValue(key, out var list)) Attempts[key] = list = [];
            list.Add((context.Info.Attempt, DateTime.UtcNow, seen));
        }
        context.Heartbeat($"progress of attempt {context.Info.Attempt}");
        if (sleep is { } s) await Task.Delay(s, context.CancellationToken);
        if (context.Info.Attempt <= failuresBeforeSuccess) throw new ApplicationFailureException($"attempt {context.Info.Attempt} failed", errorType);
        return $"done on attempt {context.Info.Attempt}";
    }
}

/// <summary>Continues as new until the counter reaches the target.</summary>
[Workflow]
public sealed class CountingWorkflow
{
    [WorkflowRun]
    public Task<int> RunAsync(int count, int target)
    {
        if (count >= target) return Task.FromResult(count);
        throw Workflow.CreateContinueAsNewException((CountingWorkflow wf) => wf.RunAsync(count + 1, target));
    }
}

/// <summary>Starts a child; either awaits it, or returns at once leaving it under a parent-close policy.</summary>
[Workflow]
public sealed class ParentWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(string childId, bool waitForChild, ParentClosePolicy policy)
    {
        if (waitForChild)
            return "child said " + await Workflow.ExecuteChildWorkflowAsync((GreetingChildWorkflow c) => c.RunAsync("hi"), new() { Id = childId });
        await Workflow.StartChildWorkflowAsync((SleepingWorkflow c) => c.RunAsync(TimeSpan.FromHours(1)), new() { Id = childId, ParentClosePolicy = policy });
        return "left child";
    }
}

[Workflow]
public sealed class GreetingChildWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(string text)
    {
        await Workflow.DelayAsync(TimeSpan.FromMilliseconds(100));
        return text + " from " + Workflow.Info.WorkflowId;
    }
}

/// <summary>Keeps a total that updates add to; an update with a negative amount is rejected by its validator.</summary>
[Workflow]
public sealed class TotalWorkflow
{
    int _total;
    bool _done;

    [WorkflowRun]
    public async Task<int> RunAsync()
    {
        await Workflow.WaitConditionAsync(() => _done);
        return _total;
    }

    [WorkflowUpdate]
    public Task<int> AddAsync(int amount)
    {
        _total += amount;
        return Task.FromResult(_total);
    }

    [WorkflowUpdateValidator(nameof(AddAsync))]
    public void ValidateAdd(int amount)
    {
        if (amount < 0) throw new ArgumentException("amount must not be negative");
    }

    [WorkflowSignal]
    public Task FinishAsync()
    {
        _done = true;
        return Task.CompletedTask;
    }
}

/// <summary>Runs an activity, then waits for the expected number of signals (and an optional timer), for reset tests.</summary>
[Workflow]
public sealed class ResettableWorkflow
{
    readonly List<string> _signals = [];

    [WorkflowRun]
    public async Task<string> RunAsync(int expectedSignals, TimeSpan sleep)
    {
        var shout = await Workflow.ExecuteActivityAsync((CountingActivities a) => a.Shout("a"), new() { StartToCloseTimeout = TimeSpan.FromSeconds(10) });
        if (sleep > TimeSpan.Zero) await Workflow.DelayAsync(sleep);
        await Workflow.WaitConditionAsync(() => _signals.Count >= expectedSignals);
        return $"{shout}:{string.Join(",", _signals)}";
    }

    [WorkflowSignal]
    public Task AddAsync(string value)
    {
        _signals.Add(value);
        return Task.CompletedTask;
    }
}

/// <summary>Counts its invocations, so tests can tell whether an activity ran again.</summary>
public sealed class CountingActivities
{
    int _calls;

    public int Calls => _calls;

    [Activity]
    public string Shout(string text)
    {
        Interlocked.Increment(ref _calls);
        return text.ToUpperInvariant();
    }
}

/// <summary>Each cron run returns one more than the last run's result.</summary>
[Workflow]
public sealed class CronCounterWorkflow
{
    [WorkflowRun]
    public Task<int> RunAsync() =>
        Task.FromResult((Workflow.Info.LastResult?.SingleOrDefault() is { } last ? Workflow.PayloadConverter.ToValue<int>(last) : 0) + 1);
}

/// <summary>Runs <see cref="PausableActivities"/> with one attempt allowed: only a pause can give it a second.</summary>
[Workflow]
public sealed class PausableWorkflow
{
    [WorkflowRun]
    public Task<string> RunAsync() =>
        Workflow.ExecuteActivityAsync((PausableActivities a) => a.RunAsync(), new ActivityOptions
        {
            StartToCloseTimeout = TimeSpan.FromSeconds(30),
            HeartbeatTimeout = TimeSpan.FromSeconds(2),
            RetryPolicy = new RetryPolicy { MaximumAttempts = 1 },
        });
}

/// <summary>The first attempt heartbeats until it is cancelled (a pause) and fails; later attempts report what they saw.</summary>
public sealed class PausableActivities
{
    public TaskCompletionSource FirstAttemptRunning { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    [Activity]
    public async Task<string> RunAsync()
    {
        var context = ActivityExecutionContext.Current;
        if (context.Info.Attempt > 1)
            return $"attempt {context.Info.Attempt} after details {await context.Info.HeartbeatDetailAtAsync<string>(0)}";
        FirstAttemptRunning.TrySetResult();
        while (true)
        {
            context.Heartbeat("progress");
            await Task.Delay(200, context.CancellationToken);
        }
    }
}

/// <summary>The first version of a workflow: waits on a long timer; a signal only wakes a workflow task.</summary>
[Workflow("Drifting")]
public sealed class DriftingWorkflowV1
{
    [WorkflowRun]
    public Task RunAsync() => Workflow.DelayAsync(TimeSpan.FromHours(1));

    [WorkflowSignal("poke")]
    public Task PokeAsync() => Task.CompletedTask;
}

/// <summary>A changed version of <see cref="DriftingWorkflowV1"/>: an activity where the history has the timer (non-deterministic).</summary>
[Workflow("Drifting")]
public sealed class DriftingWorkflowV2
{
    [WorkflowRun]
    public Task RunAsync() =>
        Workflow.ExecuteActivityAsync("Anything", [], new ActivityOptions { StartToCloseTimeout = TimeSpan.FromMinutes(1) });

    [WorkflowSignal("poke")]
    public Task PokeAsync() => Task.CompletedTask;
}

/// <summary>Fires the given number of short timers one after the other: each adds five events to the history.</summary>
[Workflow]
public sealed class TimerLoopWorkflow
{
    [WorkflowRun]
    public async Task<int> RunAsync(int timers)
    {
        for (var i = 0; i < timers; i++) await Workflow.DelayAsync(TimeSpan.FromMilliseconds(10));
        return timers;
    }
}
