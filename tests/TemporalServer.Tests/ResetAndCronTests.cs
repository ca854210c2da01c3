using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Converters;
using Temporalio.Exceptions;
using Temporalio.Worker;

namespace TemporalServer.Tests;

[Collection(TemporalCollection.Name)]
public sealed class ResetAndCronTests(TemporalEnvironment env)
{
    static string NewQueue() => "q-" + Guid.NewGuid().ToString("N");

    Task<ResetWorkflowExecutionResponse> ResetAsync(WorkflowHandle handle, string runId, long eventId, string requestId) =>
        env.Client.WorkflowService.ResetWorkflowExecutionAsync(new ResetWorkflowExecutionRequest
        {
            Namespace = "default",
            WorkflowExecution = new() { WorkflowId = handle.Id, RunId = runId },
            WorkflowTaskFinishEventId = eventId,
            Reason = "rerun from the start",
            RequestId = requestId,
        });

    [Fact]
    public async Task A_reset_to_the_first_workflow_task_reruns_the_activity_and_reapplies_the_signal_sent_before_it()
    {
        var queue = NewQueue();
        var activities = new CountingActivities();
        await using var worker = new RunningWorker(env.Client, new TemporalWorkerOptions(queue).AddWorkflow<ResettableWorkflow>().AddAllActivities(activities));
        var handle = await env.Client.StartWorkflowAsync((ResettableWorkflow wf) => wf.RunAsync(2, TimeSpan.Zero), new(NewQueue(), queue));
        await WorkflowLifecycleTests.WaitForEventAsync(handle, EventType.ActivityTaskCompleted);
        await handle.SignalAsync(wf => wf.AddAsync("s1"));
        var baseRunId = (await handle.DescribeAsync()).RunId;
        var firstTaskCompleted = (await handle.FetchHistoryAsync()).Events.First(e => e.EventType == EventType.WorkflowTaskCompleted).EventId;

        var requestId = Guid.NewGuid().ToString();
        var reset = await ResetAsync(handle, baseRunId, firstTaskCompleted, requestId);
        Assert.Equal(reset.RunId, (await ResetAsync(handle, baseRunId, firstTaskCompleted, requestId)).RunId);
        Assert.NotEqual(baseRunId, reset.RunId);
        var resetRun = env.Client.GetWorkflowHandle<ResettableWorkflow, string>(handle.Id, reset.RunId);
        await WorkflowLifecycleTests.WaitForEventAsync(resetRun, EventType.ActivityTaskCompleted);
        await resetRun.SignalAsync(wf => wf.AddAsync("s2"));

        Assert.Equal("A:s1,s2", await resetRun.GetResultAsync());
        Assert.Equal(2, activities.Calls);
        var baseRun = await env.Client.GetWorkflowHandle(handle.Id, baseRunId).DescribeAsync();
        Assert.Equal(WorkflowExecutionStatus.Terminated, baseRun.Status);
        var events = (await resetRun.FetchHistoryAsync()).Events.ToList();
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.EventId));
        var failed = events[(int)firstTaskCompleted - 1].WorkflowTaskFailedEventAttributes;
        Assert.Equal(WorkflowTaskFailedCause.ResetWorkflow, failed.Cause);
        Assert.Equal((baseRunId, reset.RunId), (failed.BaseRunId, failed.NewRunId));
        Assert.Equal(["s1", "s2"], Signals(events));
    }

    [Fact]
    public async Task A_reset_of_a_completed_run_to_after_its_activity_keeps_the_activity_result_and_fires_the_pending_timer()
    {
        var queue = NewQueue();
        var activities = new CountingActivities();
        await using var worker = new RunningWorker(env.Client, new TemporalWorkerOptions(queue).AddWorkflow<ResettableWorkflow>().AddAllActivities(activities));
        var handle = await env.Client.StartWorkflowAsync((ResettableWorkflow wf) => wf.RunAsync(0, TimeSpan.FromMilliseconds(500)), new(NewQueue(), queue));
        Assert.Equal("A:", await handle.GetResultAsync());
        var baseEvents = (await handle.FetchHistoryAsync()).Events;
        var timerScheduledBy = baseEvents.Single(e => e.EventType == EventType.TimerStarted).TimerStartedEventAttributes.WorkflowTaskCompletedEventId;

        var reset = await ResetAsync(handle, handle.ResultRunId!, timerScheduledBy, Guid.NewGuid().ToString());

        var resetRun = env.Client.GetWorkflowHandle<ResettableWorkflow, string>(handle.Id, reset.RunId);
        Assert.Equal("A:", await resetRun.GetResultAsync());
        Assert.Equal(1, activities.Calls);
        var events = (await resetRun.FetchHistoryAsync()).Events.ToList();
        Assert.Single(events, e => e.EventType == EventType.ActivityTaskCompleted);
        Assert.Single(events, e => e.EventType == EventType.TimerFired);
        Assert.Equal(WorkflowExecutionStatus.Completed, (await handle.DescribeAsync()).Status);
        Assert.Equal(reset.RunId, (await env.Client.GetWorkflowHandle(handle.Id).DescribeAsync()).RunId);
    }

    [Fact]
    public async Task A_reset_to_an_event_that_ends_no_workflow_task_is_refused_naming_the_event()
    {
        var queue = NewQueue();
        await using var worker = new RunningWorker(env.Client, new TemporalWorkerOptions(queue).AddWorkflow<ResettableWorkflow>().AddAllActivities(new CountingActivities()));
        var handle = await env.Client.StartWorkflowAsync((ResettableWorkflow wf) => wf.RunAsync(0, TimeSpan.Zero), new(NewQueue(), queue));
        await handle.GetResultAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => ResetAsync(handle, handle.ResultRunId!, 1, Guid.NewGuid().ToString()));
        Assert.Equal(RpcException.StatusCode.InvalidArgument, error.Code);
        Assert.Contains("event 1", error.Message);
    }

    [Fact]
    public async Task A_cron_workflow_runs_at_each_cron_time_carrying_the_last_result_until_terminated()
    {
        var queue = NewQueue();
        await using var worker = new RunningWorker(env.Client, new TemporalWorkerOptions(queue).AddWorkflow<CronCounterWorkflow>());
        var started = DateTime.UtcNow;
        var handle = await env.Client.StartWorkflowAsync((CronCounterWorkflow wf) => wf.RunAsync(), new(NewQueue(), queue) { CronSchedule = "@every 1s" });

        var runs = await WaitForCompletedRunsAsync(handle.Id, 3);
        await handle.TerminateAsync("enough");

        var histories = new List<List<HistoryEvent>>();
        foreach (var run in runs) histories.Add((await env.Client.GetWorkflowHandle(handle.Id, run.RunId).FetchHistoryAsync()).Events.ToList());
        var results = histories.Select(h => DataConverter.Default.PayloadConverter.ToValue<int>(h[^1].WorkflowExecutionCompletedEventAttributes.Result.Payloads_[0]));
        Assert.Equal([1, 2, 3], results);
        Assert.True(runs[0].ExecutionTime - runs[0].StartTime >= TimeSpan.FromMilliseconds(900), "the first run waits for the first cron time");
        Assert.True(runs[0].ExecutionTime >= started.AddMilliseconds(900));
        var first = histories[0];
        Assert.Equal("@every 1s", first[0].WorkflowExecutionStartedEventAttributes.CronSchedule);
        Assert.Equal(runs[1].RunId, first[^1].WorkflowExecutionCompletedEventAttributes.NewExecutionRunId);
        var second = histories[1];
        Assert.Equal(ContinueAsNewInitiator.CronSchedule, second[0].WorkflowExecutionStartedEventAttributes.Initiator);
        Assert.Equal(runs[0].RunId, second[0].WorkflowExecutionStartedEventAttributes.ContinuedExecutionRunId);
        Assert.Equal(WorkflowExecutionStatus.Terminated, (await handle.DescribeAsync()).Status);
    }

    [Fact]
    public async Task A_start_with_an_unreadable_cron_schedule_is_refused_naming_it()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => env.Client.StartWorkflowAsync((CronCounterWorkflow wf) => wf.RunAsync(),
            new(NewQueue(), NewQueue()) { CronSchedule = "every minute" }));
        Assert.Equal(RpcException.StatusCode.InvalidArgument, error.Code);
        Assert.Contains("CronSchedule", error.Message);
        Assert.Contains("every minute", error.Message);
    }

    async Task<List<WorkflowExecution>> WaitForCompletedRunsAsync(string workflowId, int count)
    {
        for (var i = 0; i < 150; i++)
        {
            var runs = new List<WorkflowExecution>();
            await foreach (var run in env.Client.ListWorkflowsAsync($"WorkflowId = '{workflowId}' AND ExecutionStatus = 'Completed' ORDER BY StartTime ASC"))
                runs.Add(run);
            if (runs.Count >= count) return runs.Take(count).ToList();
            await Task.Delay(100);
        }
        throw new TimeoutException($"{workflowId} did not complete {count} cron runs");
    }

    static IEnumerable<string> Signals(IEnumerable<HistoryEvent> events) =>
        events.Where(e => e.EventType == EventType.WorkflowExecutionSignaled)
            .Select(e => e.WorkflowExecutionSignaledEventAttributes.Input.Payloads_[0].Data.ToStringUtf8().Trim('"'));
}
