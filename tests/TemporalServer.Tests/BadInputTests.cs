using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;
using TestSupport;

namespace TemporalServer.Tests;

/// <summary>What the server answers to requests and workers that are wrong: errors naming what is wrong, never silence.</summary>
[Collection(TemporalCollection.Name)]
public sealed class BadInputTests(TemporalEnvironment env)
{
    static string NewId() => "b-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task A_request_in_an_unknown_namespace_is_not_found_naming_the_namespace()
    {
        var client = await TemporalClient.ConnectAsync(new TemporalClientConnectOptions(env.Server.Target) { Namespace = "no-such-namespace" });

        var error = await Assert.ThrowsAsync<RpcException>(() => client.StartWorkflowAsync((SleepingWorkflow wf) => wf.RunAsync(TimeSpan.Zero), new(NewId(), NewId())));

        Assert.Equal(RpcException.StatusCode.NotFound, error.Code);
        Assert.Equal("Namespace no-such-namespace is not found.", error.Message);
    }

    [Fact]
    public async Task A_start_without_a_task_queue_is_an_invalid_argument_naming_the_field()
    {
        var request = new StartWorkflowExecutionRequest
        {
            Namespace = "default",
            WorkflowId = NewId(),
            WorkflowType = new WorkflowType { Name = "SleepingWorkflow" },
            RequestId = Guid.NewGuid().ToString(),
        };

        var error = await Assert.ThrowsAsync<RpcException>(() => env.Client.WorkflowService.StartWorkflowExecutionAsync(request));

        Assert.Equal(RpcException.StatusCode.InvalidArgument, error.Code);
        Assert.Equal("TaskQueue is not set on request.", error.Message);
    }

    [Fact]
    public async Task A_worker_whose_workflow_code_changed_fails_its_task_with_a_non_determinism_failure_in_the_history()
    {
        var queue = NewId();
        WorkflowHandle handle;
        await using (var original = new RunningWorker(env.Client, new TemporalWorkerOptions(queue).AddWorkflow<DriftingWorkflowV1>()))
        {
            handle = await env.Client.StartWorkflowAsync((DriftingWorkflowV1 wf) => wf.RunAsync(), new(NewId(), queue));
            await WorkflowLifecycleTests.WaitForEventAsync(handle, EventType.TimerStarted);
        }
        await using var changed = new RunningWorker(env.Client, new TemporalWorkerOptions(queue).AddWorkflow<DriftingWorkflowV2>());
        await handle.SignalAsync("poke", []);

        await WorkflowLifecycleTests.WaitForEventAsync(handle, EventType.WorkflowTaskFailed);
        var failed = (await handle.FetchHistoryAsync()).Events.First(e => e.EventType == EventType.WorkflowTaskFailed).WorkflowTaskFailedEventAttributes;
        Assert.Equal(WorkflowTaskFailedCause.NonDeterministicError, failed.Cause);
        Assert.Contains("Nondeterminism", failed.Failure.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(WorkflowExecutionStatus.Running, (await handle.DescribeAsync()).Status);
        await handle.TerminateAsync("test over");
    }

    [Fact]
    public async Task A_run_whose_history_outgrows_the_configured_event_count_is_terminated_with_that_reason()
    {
        await using var server = await TemporalServerFixture.StartAsync(await env.Postgres.CreateDatabaseAsync("limits"),
            new Dictionary<string, string> { ["Temporal__HistoryCountLimit"] = "40" });
        var client = await TemporalEnvironment.ConnectAsync(server);
        var queue = NewId();
        await using var worker = new RunningWorker(client, new TemporalWorkerOptions(queue).AddWorkflow<TimerLoopWorkflow>());
        var small = await client.StartWorkflowAsync((TimerLoopWorkflow wf) => wf.RunAsync(2), new(NewId(), queue));
        var large = await client.StartWorkflowAsync((TimerLoopWorkflow wf) => wf.RunAsync(100), new(NewId(), queue));

        Assert.Equal(2, await small.GetResultAsync());
        var error = await Assert.ThrowsAsync<WorkflowFailedException>(() => large.GetResultAsync());
        Assert.IsType<TerminatedFailureException>(error.InnerException);
        var history = await large.FetchHistoryAsync();
        var terminated = history.Events.Last().WorkflowExecutionTerminatedEventAttributes;
        Assert.Equal("Workflow history count exceeds limit.", terminated.Reason);
        Assert.InRange(history.Events.Count, 41, 50);
    }

    [Theory]
    [InlineData("", "SomeActivity", 10, 0, "ActivityId is not set on command.")]
    [InlineData("a1", "", 10, 0, "ActivityType is not set on command.")]
    [InlineData("a1", "SomeActivity", 0, 0, "A valid StartToClose or ScheduleToCloseTimeout is not set on command.")]
    [InlineData("a1", "SomeActivity", -1, 0, "Invalid StartToCloseTimeout value -1s on command.")]
    [InlineData("a1", "SomeActivity", 10, -1, "Invalid ScheduleToCloseTimeout value -1s on command.")]
    public async Task A_workflow_task_scheduling_an_activity_with_bad_attributes_fails_naming_the_field_and_schedules_nothing(
        string activityId, string activityType, int startToCloseSeconds, int scheduleToCloseSeconds, string expected)
    {
        var schedule = new ScheduleActivityTaskCommandAttributes
        {
            ActivityId = activityId,
            ActivityType = new ActivityType { Name = activityType },
            StartToCloseTimeout = startToCloseSeconds == 0 ? null : Duration.FromTimeSpan(TimeSpan.FromSeconds(startToCloseSeconds)),
            ScheduleToCloseTimeout = scheduleToCloseSeconds == 0 ? null : Duration.FromTimeSpan(TimeSpan.FromSeconds(scheduleToCloseSeconds)),
        };

        var (error, failed) = await CompleteFirstTaskAsync(new Command { CommandType = CommandType.ScheduleActivityTask, ScheduleActivityTaskCommandAttributes = schedule });

        Assert.Equal(RpcException.StatusCode.InvalidArgument, error.Code);
        Assert.Equal("BadScheduleActivityAttributes: " + expected, error.Message);
        Assert.Equal(WorkflowTaskFailedCause.BadScheduleActivityAttributes, failed.WorkflowTaskFailedEventAttributes.Cause);
        Assert.Equal(expected, failed.WorkflowTaskFailedEventAttributes.Failure.Message);
    }

    [Fact]
    public async Task A_workflow_task_starting_a_timer_without_a_duration_fails_naming_the_field_and_starts_nothing()
    {
        var (error, failed) = await CompleteFirstTaskAsync(new Command
        {
            CommandType = CommandType.StartTimer,
            StartTimerCommandAttributes = new StartTimerCommandAttributes { TimerId = "t1" },
        });

        Assert.Equal("BadStartTimerAttributes: An invalid StartToFireTimeout is set on command.", error.Message);
        Assert.Equal(WorkflowTaskFailedCause.BadStartTimerAttributes, failed.WorkflowTaskFailedEventAttributes.Cause);
    }

    /// <summary>
    /// Starts a workflow, takes its first task as a worker would and completes it with a valid timer followed by
    /// <paramref name="bad"/>; answers the worker's error and the task's failure event, after checking that none of
    /// the task's commands was applied and that the run is still running with a new task scheduled.
    /// </summary>
    async Task<(RpcException Error, HistoryEvent Failed)> CompleteFirstTaskAsync(Command bad)
    {
        var queue = NewId();
        var handle = await env.Client.StartWorkflowAsync((SleepingWorkflow wf) => wf.RunAsync(TimeSpan.Zero), new(NewId(), queue));
        var task = await env.Client.WorkflowService.PollWorkflowTaskQueueAsync(new PollWorkflowTaskQueueRequest
        {
            Namespace = "default",
            TaskQueue = new TaskQueue { Name = queue },
            Identity = "test worker",
        });
        var completion = new RespondWorkflowTaskCompletedRequest { Namespace = "default", TaskToken = task.TaskToken, Identity = "test worker" };
        completion.Commands.Add(new Command
        {
            CommandType = CommandType.StartTimer,
            StartTimerCommandAttributes = new StartTimerCommandAttributes { TimerId = "valid", StartToFireTimeout = Duration.FromTimeSpan(TimeSpan.FromHours(1)) },
        });
        completion.Commands.Add(bad);

        var error = await Assert.ThrowsAsync<RpcException>(() => env.Client.WorkflowService.RespondWorkflowTaskCompletedAsync(completion));

        var events = (await handle.FetchHistoryAsync()).Events;
        Assert.Equal(
            [EventType.WorkflowExecutionStarted, EventType.WorkflowTaskScheduled, EventType.WorkflowTaskStarted, EventType.WorkflowTaskFailed],
            events.Select(e => e.EventType).Take(4));
        Assert.Equal(RpcException.StatusCode.InvalidArgument, error.Code);
        Assert.Equal(WorkflowExecutionStatus.Running, (await handle.DescribeAsync()).Status);
        var retried = await env.Client.WorkflowService.PollWorkflowTaskQueueAsync(new PollWorkflowTaskQueueRequest
        {
            Namespace = "default",
            TaskQueue = new TaskQueue { Name = queue },
            Identity = "test worker",
        });
        Assert.Equal(2, retried.Attempt);
        await handle.TerminateAsync("test over");
        return (error, events.ElementAt(3));
    }
}
