using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
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
}
