using Temporalio.Api.Enums.V1;
using ParentClosePolicy = Temporalio.Workflows.ParentClosePolicy;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;

namespace TemporalServer.Tests;

[Collection(TemporalCollection.Name)]
public sealed class WorkflowLifecycleTests(TemporalEnvironment env)
{
    static string NewQueue() => "q-" + Guid.NewGuid().ToString("N");

    RunningWorker Worker(string taskQueue, Func<TemporalWorkerOptions, TemporalWorkerOptions> configure) =>
        new(env.Client, configure(new TemporalWorkerOptions(taskQueue)));

    [Fact]
    public async Task An_activity_a_timer_and_a_signal_complete_a_workflow_whose_stage_queries_answer()
    {
        var queue = NewQueue();
        await using var worker = Worker(queue, o => o.AddWorkflow<GreetingWorkflow>().AddAllActivities(new GreetingActivities()));
        var handle = await env.Client.StartWorkflowAsync((GreetingWorkflow wf) => wf.RunAsync("hello"), new(NewQueue(), queue));

        var stage = "";
        for (var i = 0; i < 100 && stage != "waiting"; i++)
        {
            stage = await handle.QueryAsync(wf => wf.Stage);
            if (stage != "waiting") await Task.Delay(100);
        }
        Assert.Equal("waiting", stage);
        await handle.SignalAsync(wf => wf.NameAsync("world"));

        Assert.Equal("HELLO world", await handle.GetResultAsync());
        Assert.Equal("done", await handle.QueryAsync(wf => wf.Stage));
        var description = await handle.DescribeAsync();
        Assert.Equal(WorkflowExecutionStatus.Completed, description.Status);
        var history = await handle.FetchHistoryAsync();
        var types = history.Events.Select(e => e.EventType).ToList();
        Assert.Equal(EventType.WorkflowExecutionStarted, types[0]);
        Assert.Contains(EventType.ActivityTaskCompleted, types);
        Assert.Contains(EventType.TimerFired, types);
        Assert.Contains(EventType.WorkflowExecutionSignaled, types);
        Assert.Equal(EventType.WorkflowExecutionCompleted, types[^1]);
        Assert.Equal(Enumerable.Range(1, types.Count).Select(i => (long)i), history.Events.Select(e => e.EventId));
        // The recorded history replays against the same code.
        var replay = await new WorkflowReplayer(new WorkflowReplayerOptions().AddWorkflow<GreetingWorkflow>()).ReplayWorkflowAsync(history);
        Assert.Null(replay.ReplayFailure);
    }

    [Fact]
    public async Task Two_signals_sent_during_one_workflow_task_are_both_delivered()
    {
        var queue = NewQueue();
        await using var worker = Worker(queue, o => o.AddWorkflow<SignalCollectorWorkflow>());
        var handle = await env.Client.StartWorkflowAsync((SignalCollectorWorkflow wf) => wf.RunAsync(), new(NewQueue(), queue));
        await handle.SignalAsync(wf => wf.AddAsync("s1"));
        await Task.Delay(300);
        await handle.SignalAsync(wf => wf.AddAsync("s2"));

        Assert.Equal("s1,s2", await handle.GetResultAsync());
        var history = await handle.FetchHistoryAsync();
        Assert.Contains(history.Events, e => e.WorkflowTaskFailedEventAttributes?.Cause == WorkflowTaskFailedCause.UnhandledCommand);
    }

    [Fact]
    public async Task A_cancelled_workflow_fails_with_a_cancellation_and_is_described_as_canceled()
    {
        var queue = NewQueue();
        await using var worker = Worker(queue, o => o.AddWorkflow<SleepingWorkflow>());
        var handle = await env.Client.StartWorkflowAsync((SleepingWorkflow wf) => wf.RunAsync(TimeSpan.FromHours(1)), new(NewQueue(), queue));
        await WaitForEventAsync(handle, EventType.TimerStarted);
        await handle.CancelAsync();

        var failure = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync());
        Assert.IsType<CanceledFailureException>(failure.InnerException);
        Assert.Equal(WorkflowExecutionStatus.Canceled, (await handle.DescribeAsync()).Status);
    }

    [Fact]
    public async Task A_terminated_workflow_ends_with_the_termination_reason()
    {
        var queue = NewQueue();
        await using var worker = Worker(queue, o => o.AddWorkflow<SleepingWorkflow>());
        var handle = await env.Client.StartWorkflowAsync((SleepingWorkflow wf) => wf.RunAsync(TimeSpan.FromHours(1)), new(NewQueue(), queue));
        await handle.TerminateAsync("enough");

        var failure = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync());
        Assert.IsType<TerminatedFailureException>(failure.InnerException);
        Assert.Equal(WorkflowExecutionStatus.Terminated, (await handle.DescribeAsync()).Status);
        var history = await handle.FetchHistoryAsync();
        Assert.Equal("enough", history.Events.Last().WorkflowExecutionTerminatedEventAttributes.Reason);
    }

    [Fact]
    public async Task Starting_a_running_workflow_id_again_fails_unless_the_request_id_or_conflict_policy_says_otherwise()
    {
        var queue = NewQueue();
        var id = NewQueue();
        var first = await env.Client.StartWorkflowAsync((SleepingWorkflow wf) => wf.RunAsync(TimeSpan.FromHours(1)), new(id, queue));

        var again = await Assert.ThrowsAsync<WorkflowAlreadyStartedException>(() =>
            env.Client.StartWorkflowAsync((SleepingWorkflow wf) => wf.RunAsync(TimeSpan.FromHours(1)), new(id, queue)));
        Assert.Equal(first.ResultRunId, again.RunId);

        var existing = await env.Client.StartWorkflowAsync((SleepingWorkflow wf) => wf.RunAsync(TimeSpan.FromHours(1)),
            new(id, queue) { IdConflictPolicy = WorkflowIdConflictPolicy.UseExisting });
        Assert.Equal(first.ResultRunId, existing.ResultRunId);

        // A client retrying its start with the same request id gets the same run back.
        var request = new Temporalio.Api.WorkflowService.V1.StartWorkflowExecutionRequest
        {
            Namespace = "default", WorkflowId = NewQueue(), RequestId = Guid.NewGuid().ToString(),
            WorkflowType = new() { Name = "SleepingWorkflow" }, TaskQueue = new() { Name = queue },
        };
        var once = await env.Client.WorkflowService.StartWorkflowExecutionAsync(request);
        var twice = await env.Client.WorkflowService.StartWorkflowExecutionAsync(request);
        Assert.Equal(once.RunId, twice.RunId);
        await first.TerminateAsync();
    }

    [Fact]
    public async Task A_workflow_continued_as_new_runs_on_in_a_new_run_and_the_client_follows_it()
    {
        var queue = NewQueue();
        await using var worker = Worker(queue, o => o.AddWorkflow<CountingWorkflow>());
        var handle = await env.Client.StartWorkflowAsync((CountingWorkflow wf) => wf.RunAsync(0, 3), new(NewQueue(), queue));

        Assert.Equal(3, await handle.GetResultAsync());
        var firstRun = env.Client.GetWorkflowHandle(handle.Id, runId: handle.ResultRunId);
        var history = await firstRun.FetchHistoryAsync();
        Assert.Equal(EventType.WorkflowExecutionContinuedAsNew, history.Events.Last().EventType);
        var latest = await env.Client.GetWorkflowHandle(handle.Id).DescribeAsync();
        Assert.NotEqual(handle.ResultRunId, latest.RunId);
        Assert.Equal(WorkflowExecutionStatus.Completed, latest.Status);
    }

    [Fact]
    public async Task A_child_workflow_result_reaches_its_parent()
    {
        var queue = NewQueue();
        await using var worker = Worker(queue, o => o.AddWorkflow<ParentWorkflow>().AddWorkflow<GreetingChildWorkflow>());
        var childId = NewQueue();
        var result = await env.Client.ExecuteWorkflowAsync((ParentWorkflow wf) => wf.RunAsync(childId, true, ParentClosePolicy.Terminate), new(NewQueue(), queue));
        Assert.Equal($"child said hi from {childId}", result);
    }

    [Theory]
    [InlineData(ParentClosePolicy.Terminate, WorkflowExecutionStatus.Terminated)]
    [InlineData(ParentClosePolicy.RequestCancel, WorkflowExecutionStatus.Canceled)]
    [InlineData(ParentClosePolicy.Abandon, WorkflowExecutionStatus.Running)]
    public async Task A_child_left_running_follows_its_parent_close_policy(ParentClosePolicy policy, WorkflowExecutionStatus expected)
    {
        var queue = NewQueue();
        await using var worker = Worker(queue, o => o.AddWorkflow<ParentWorkflow>().AddWorkflow<SleepingWorkflow>());
        var childId = NewQueue();
        Assert.Equal("left child", await env.Client.ExecuteWorkflowAsync((ParentWorkflow wf) => wf.RunAsync(childId, false, policy), new(NewQueue(), queue)));

        var child = env.Client.GetWorkflowHandle(childId);
        var status = WorkflowExecutionStatus.Running;
        for (var i = 0; i < 50 && status != expected; i++)
        {
            await Task.Delay(100);
            status = (await child.DescribeAsync()).Status;
        }
        if (expected == WorkflowExecutionStatus.Running) await Task.Delay(1000);
        Assert.Equal(expected, (await child.DescribeAsync()).Status);
        if (expected == WorkflowExecutionStatus.Running) await child.TerminateAsync();
    }

    [Fact]
    public async Task Listing_and_counting_workflows_sees_the_started_runs()
    {
        var queue = NewQueue();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var handle = await env.Client.StartWorkflowAsync((SleepingWorkflow wf) => wf.RunAsync(TimeSpan.FromHours(1)), new(NewQueue(), queue));
            ids.Add(handle.Id);
        }
        var listed = new List<string>();
        await foreach (var execution in env.Client.ListWorkflowsAsync("")) listed.Add(execution.Id);
        Assert.Subset(listed.ToHashSet(), ids.ToHashSet());
        Assert.True((await env.Client.CountWorkflowsAsync("")).Count >= 3);
        foreach (var id in ids) await env.Client.GetWorkflowHandle(id).TerminateAsync();
    }

    internal static async Task WaitForEventAsync(WorkflowHandle handle, EventType type)
    {
        for (var i = 0; i < 100; i++)
        {
            var history = await handle.FetchHistoryAsync();
            if (history.Events.Any(e => e.EventType == type)) return;
            await Task.Delay(100);
        }
        throw new TimeoutException($"no {type} in {handle.Id}");
    }
}
