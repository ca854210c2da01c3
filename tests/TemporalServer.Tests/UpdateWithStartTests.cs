using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;

namespace TemporalServer.Tests;

/// <summary>Update-with-start (ExecuteMultiOperation) through the SDK's ExecuteUpdateWithStartWorkflowAsync.</summary>
[Collection(TemporalCollection.Name)]
public sealed class UpdateWithStartTests(TemporalEnvironment env)
{
    static string NewId() => "u-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task An_update_with_start_starts_the_workflow_then_lands_on_its_running_run_and_a_fail_policy_is_refused()
    {
        var queue = NewId();
        var id = NewId();
        await using var worker = new RunningWorker(env.Client, new TemporalWorkerOptions(queue).AddWorkflow<TotalWorkflow>());
        WithStartWorkflowOperation<WorkflowHandle<TotalWorkflow, int>> Start(WorkflowIdConflictPolicy policy) =>
            WithStartWorkflowOperation.Create((TotalWorkflow wf) => wf.RunAsync(), new WorkflowOptions(id, queue) { IdConflictPolicy = policy });

        var first = Start(WorkflowIdConflictPolicy.Fail);
        Assert.Equal(5, await env.Client.ExecuteUpdateWithStartWorkflowAsync((TotalWorkflow wf) => wf.AddAsync(5), new(first) { Id = "add-5" }));
        var handle = await first.GetHandleAsync();

        var existing = Start(WorkflowIdConflictPolicy.UseExisting);
        Assert.Equal(12, await env.Client.ExecuteUpdateWithStartWorkflowAsync((TotalWorkflow wf) => wf.AddAsync(7), new(existing)));
        Assert.Equal(handle.ResultRunId, (await existing.GetHandleAsync()).ResultRunId);
        // The same update id again is answered with the first outcome; nothing is added twice.
        Assert.Equal(5, await env.Client.ExecuteUpdateWithStartWorkflowAsync((TotalWorkflow wf) => wf.AddAsync(5), new(Start(WorkflowIdConflictPolicy.Fail)) { Id = "add-5" }));

        var refused = Start(WorkflowIdConflictPolicy.Fail);
        var error = await Assert.ThrowsAsync<WorkflowAlreadyStartedException>(() => env.Client.ExecuteUpdateWithStartWorkflowAsync((TotalWorkflow wf) => wf.AddAsync(1), new(refused)));
        Assert.Equal(handle.ResultRunId, error.RunId);
        await Assert.ThrowsAsync<WorkflowAlreadyStartedException>(() => refused.GetHandleAsync());

        await handle.SignalAsync(wf => wf.FinishAsync());
        Assert.Equal(12, await handle.GetResultAsync());
        var history = await handle.FetchHistoryAsync();
        Assert.Single(history.Events, e => e.EventType == EventType.WorkflowExecutionStarted);
        Assert.Equal(2, history.Events.Count(e => e.EventType == EventType.WorkflowExecutionUpdateCompleted));
    }

    [Fact]
    public async Task A_rejected_update_with_start_fails_the_update_but_the_started_workflow_runs()
    {
        var queue = NewId();
        await using var worker = new RunningWorker(env.Client, new TemporalWorkerOptions(queue).AddWorkflow<TotalWorkflow>());
        var start = WithStartWorkflowOperation.Create((TotalWorkflow wf) => wf.RunAsync(), new WorkflowOptions(NewId(), queue) { IdConflictPolicy = WorkflowIdConflictPolicy.Fail });

        var error = await Assert.ThrowsAsync<WorkflowUpdateFailedException>(() => env.Client.ExecuteUpdateWithStartWorkflowAsync((TotalWorkflow wf) => wf.AddAsync(-1), new(start)));
        Assert.Contains("must not be negative", error.InnerException?.Message);

        var handle = await start.GetHandleAsync();
        Assert.Equal(3, await handle.ExecuteUpdateAsync(wf => wf.AddAsync(3)));
        Assert.Equal(WorkflowExecutionStatus.Running, (await handle.DescribeAsync()).Status);
        await handle.TerminateAsync("done");
    }

    [Fact]
    public async Task An_update_with_start_with_a_cron_schedule_is_refused_naming_it_and_starts_nothing()
    {
        var id = NewId();
        var start = WithStartWorkflowOperation.Create((TotalWorkflow wf) => wf.RunAsync(),
            new WorkflowOptions(id, NewId()) { IdConflictPolicy = WorkflowIdConflictPolicy.Fail, CronSchedule = "* * * * *" });

        var error = await Assert.ThrowsAsync<RpcException>(() => env.Client.ExecuteUpdateWithStartWorkflowAsync((TotalWorkflow wf) => wf.AddAsync(1), new(start)));

        Assert.Equal(RpcException.StatusCode.InvalidArgument, error.Code);
        Assert.Equal("CronSchedule is not allowed.", error.Message);
        var notFound = await Assert.ThrowsAsync<RpcException>(() => env.Client.GetWorkflowHandle(id).DescribeAsync());
        Assert.Equal(RpcException.StatusCode.NotFound, notFound.Code);
    }
}
