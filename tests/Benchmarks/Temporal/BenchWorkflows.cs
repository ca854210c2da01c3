using System.Diagnostics;
using Temporalio.Activities;
using Temporalio.Workflows;

namespace Temporal.Benchmarks;

[Workflow]
public sealed class OneStepWorkflow
{
    [WorkflowRun]
    public Task<string> RunAsync() =>
        Workflow.ExecuteActivityAsync((StepActivities a) => a.Step(), new() { StartToCloseTimeout = TimeSpan.FromSeconds(30) });
}

[Workflow]
public sealed class StepsWorkflow
{
    [WorkflowRun]
    public async Task RunAsync(int steps)
    {
        for (var i = 0; i < steps; i++)
            await Workflow.ExecuteActivityAsync((StepActivities a) => a.Step(), new() { StartToCloseTimeout = TimeSpan.FromSeconds(30) });
    }
}

/// <summary>Waits an hour on a durable timer: what the server must keep for a workflow that is parked.</summary>
[Workflow]
public sealed class ParkedWorkflow
{
    [WorkflowRun]
    public Task RunAsync() => Workflow.DelayAsync(TimeSpan.FromHours(1));
}

/// <summary>A no-op activity that notes when each execution began (local clock) and its schedule-to-start (server clock).</summary>
public sealed class StepActivities
{
    public List<(long At, TimeSpan ScheduleToStart)> Starts { get; } = [];

    [Activity]
    public string Step()
    {
        var info = ActivityExecutionContext.Current.Info;
        lock (Starts) Starts.Add((Stopwatch.GetTimestamp(), info.StartedTime - info.CurrentAttemptScheduledTime));
        return "ok";
    }

    public List<(long At, TimeSpan ScheduleToStart)> Snapshot()
    {
        lock (Starts) return [.. Starts];
    }
}
