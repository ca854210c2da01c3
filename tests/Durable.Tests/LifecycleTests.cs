using Durable.TestWorker;
using TestSupport;
using static Durable.Tests.DurableEnvironment;

namespace Durable.Tests;

[Collection("durable")]
public sealed class LifecycleTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Starting_a_running_workflow_id_returns_the_existing_run_and_the_reuse_policy_applies_after_close()
    {
        await using var env = await CreateAsync(postgres);
        var first = await env.Client.StartWorkflowAsync((ApprovalWorkflow w) => w.RunAsync(1), new WorkflowOptions("same", "q"));
        var second = await env.Client.StartWorkflowAsync((ApprovalWorkflow w) => w.RunAsync(1), new WorkflowOptions("same", "q"));
        Assert.Equal(first.RunId, second.RunId);
        await env.StartWorkerAsync();
        await first.SignalAsync(w => w.ApproveAsync("x"));
        Assert.Equal("x", await WithTimeout(first.GetResultAsync<string>()));

        await Assert.ThrowsAsync<WorkflowAlreadyStartedException>(() => env.Client.StartWorkflowAsync((ApprovalWorkflow w) => w.RunAsync(1),
            new WorkflowOptions("same", "q") { IdReusePolicy = WorkflowIdReusePolicy.RejectDuplicate }));
        await Assert.ThrowsAsync<WorkflowAlreadyStartedException>(() => env.Client.StartWorkflowAsync((ApprovalWorkflow w) => w.RunAsync(1),
            new WorkflowOptions("same", "q") { IdReusePolicy = WorkflowIdReusePolicy.AllowDuplicateFailedOnly }));
        var third = await env.Client.StartWorkflowAsync((ApprovalWorkflow w) => w.RunAsync(1), new WorkflowOptions("same", "q"));
        Assert.NotEqual(first.RunId, third.RunId);
        Assert.Equal(2, await env.Client.CountWorkflowsAsync(new WorkflowListFilter { IdPrefix = "same" }));
    }

    [Fact]
    public async Task Cancel_reaches_the_running_activity_and_children_and_the_workflow_closes_as_canceled()
    {
        await using var env = await CreateAsync(postgres);
        await env.StartWorkerAsync(lease: TimeSpan.FromSeconds(1.5));
        var direct = await env.Client.StartWorkflowAsync((CancellableWorkflow w) => w.RunAsync("c1", false), new WorkflowOptions("cancel-1", "q"));
        var parent = await env.Client.StartWorkflowAsync((CancellableWorkflow w) => w.RunAsync("c2", true), new WorkflowOptions("cancel-2", "q"));
        await WaitUntilAsync(async () => await env.CountEffectsAsync("attempt", "c1") == 1 && await env.CountEffectsAsync("attempt", "c2-child") == 1, TimeSpan.FromSeconds(15), "activities running");
        await direct.CancelAsync();
        await parent.CancelAsync();
        var e1 = await Assert.ThrowsAsync<WorkflowFailedException>(() => WithTimeout(direct.GetResultAsync<string>()));
        var e2 = await Assert.ThrowsAsync<WorkflowFailedException>(() => WithTimeout(parent.GetResultAsync<string>()));
        Assert.Equal(WorkflowStatus.Canceled, e1.Status);
        Assert.Equal(WorkflowStatus.Canceled, e2.Status);
        Assert.Equal(WorkflowStatus.Canceled, (await env.Client.GetWorkflowHandle("cancel-2-child-1").DescribeAsync()).Status);
        Assert.Equal(1, await env.CountEffectsAsync("done", "c1-cleanup/1"));
        Assert.Equal(1, await env.CountEffectsAsync("done", "c2-child-cleanup/1"));
        var history = await direct.FetchHistoryAsync();
        Assert.Contains(history.Events, e => e.Type == EventTypes.ActivityCancelRequested);
        // The activity saw its token cancelled through the lease keeper and failed as cancelled.
        await WaitUntilAsync(async () =>
        {
            await using var c = env.DataSource.CreateCommand("SELECT count(*) FROM durable.activity_tasks");
            return (long)(await c.ExecuteScalarAsync())! == 0;
        }, TimeSpan.FromSeconds(10), "activity tasks gone");
    }

    [Fact]
    public async Task Terminate_closes_the_run_and_its_children_immediately()
    {
        await using var env = await CreateAsync(postgres);
        await env.StartWorkerAsync();
        var parent = await env.Client.StartWorkflowAsync((CancellableWorkflow w) => w.RunAsync("t", true), new WorkflowOptions("term", "q"));
        await WaitUntilAsync(async () => await env.CountEffectsAsync("attempt", "t-child") == 1, TimeSpan.FromSeconds(15), "child running");
        await parent.TerminateAsync("operator said so");
        var e = await Assert.ThrowsAsync<WorkflowFailedException>(() => parent.GetResultAsync<string>());
        Assert.Equal(WorkflowStatus.Terminated, e.Status);
        Assert.Equal(WorkflowStatus.Terminated, (await env.Client.GetWorkflowHandle("term-child-1").DescribeAsync()).Status);
        Assert.Equal(EventTypes.WorkflowTerminated, (await parent.FetchHistoryAsync()).Events[^1].Type);
        Assert.Equal(0, await env.CountEffectsAsync("done", "t%cleanup/1"));
    }

    [Fact]
    public async Task Continue_as_new_chains_runs_under_one_id_and_the_result_follows_the_chain()
    {
        await using var env = await CreateAsync(postgres);
        await env.StartWorkerAsync();
        var result = await WithTimeout(env.Client.ExecuteWorkflowAsync((CounterWorkflow w) => w.RunAsync(0, 4), new WorkflowOptions("counter", "q")));
        Assert.Equal(4, result);
        Assert.Equal(3, await env.Client.CountWorkflowsAsync(new WorkflowListFilter { IdPrefix = "counter", Status = WorkflowStatus.ContinuedAsNew }));
        Assert.Equal(1, await env.Client.CountWorkflowsAsync(new WorkflowListFilter { IdPrefix = "counter", Status = WorkflowStatus.Completed }));
    }

    [Fact]
    public async Task Reset_to_an_earlier_event_starts_a_new_run_that_re_executes_the_later_steps()
    {
        await using var env = await CreateAsync(postgres);
        await env.StartWorkerAsync();
        var handle = await env.Client.StartWorkflowAsync((SequentialWorkflow w) => w.RunAsync("reset", 3, 0, 0), new WorkflowOptions("reset", "q"));
        Assert.Equal(60, await WithTimeout(handle.GetResultAsync<int>()));
        var history = await handle.FetchHistoryAsync();
        var secondTask = history.Events.Where(e => e.Type == EventTypes.WorkflowTaskCompleted).ElementAt(1).Seq; // after step 1 completed
        var reset = await handle.ResetAsync(secondTask);
        Assert.Equal(60, await WithTimeout(reset.GetResultAsync<int>()));
        Assert.Equal(1, await env.CountEffectsAsync("done", "reset/1"));
        Assert.Equal(2, await env.CountEffectsAsync("done", "reset/2"));
        Assert.Equal(2, await env.CountEffectsAsync("done", "reset/3"));
        var newHistory = await reset.FetchHistoryAsync();
        Assert.Equal(history.Events.Take((int)secondTask - 1).Select(e => e.Type), newHistory.Events.Take((int)secondTask - 1).Select(e => e.Type));
    }

    [Fact]
    public async Task Retrying_a_failed_run_starts_a_new_run_with_the_same_input()
    {
        await using var env = await CreateAsync(postgres);
        await env.StartWorkerAsync();
        TestActivities.FailToggle = true;
        var handle = await env.Client.StartWorkflowAsync((ToggleWorkflow w) => w.RunAsync(), new WorkflowOptions("toggle", "q"));
        var failed = await Assert.ThrowsAsync<WorkflowFailedException>(() => WithTimeout(handle.GetResultAsync<string>()));
        Assert.Equal(WorkflowStatus.Failed, failed.Status);
        Assert.Contains("Toggle", failed.Failure!.Message + failed.Failure.Type);
        TestActivities.FailToggle = false;
        var retried = await handle.RetryAsync();
        Assert.NotEqual(handle.RunId, retried.RunId);
        Assert.Equal("ok", await WithTimeout(retried.GetResultAsync<string>()));
        Assert.Equal(retried.RunId, (await handle.DescribeAsync()).NextRunId);
    }

    [Fact]
    public async Task Runs_can_be_listed_and_counted_by_type_status_id_prefix_and_time_with_paging()
    {
        await using var env = await CreateAsync(postgres);
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        for (var i = 0; i < 5; i++) await env.Client.StartWorkflowAsync((ApprovalWorkflow w) => w.RunAsync(1), new WorkflowOptions($"list-a-{i}", "q"));
        for (var i = 0; i < 3; i++) await env.Client.StartWorkflowAsync((CounterWorkflow w) => w.RunAsync(0, 1), new WorkflowOptions($"list-b-{i}", "q"));
        await env.Client.GetWorkflowHandle("list-a-0").TerminateAsync();
        Assert.Equal(5, await env.Client.CountWorkflowsAsync(new WorkflowListFilter { WorkflowType = nameof(ApprovalWorkflow) }));
        Assert.Equal(4, await env.Client.CountWorkflowsAsync(new WorkflowListFilter { WorkflowType = nameof(ApprovalWorkflow), Status = WorkflowStatus.Running }));
        Assert.Equal(3, await env.Client.CountWorkflowsAsync(new WorkflowListFilter { IdPrefix = "list-b-" }));
        Assert.Equal(8, await env.Client.CountWorkflowsAsync(new WorkflowListFilter { StartedAfter = before }));
        Assert.Equal(0, await env.Client.CountWorkflowsAsync(new WorkflowListFilter { StartedBefore = before }));
        Assert.Equal(1, await env.Client.CountWorkflowsAsync(new WorkflowListFilter { ClosedAfter = before }));

        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await env.Client.ListWorkflowsAsync(new WorkflowListFilter { IdPrefix = "list-", PageSize = 3, PageToken = token });
            seen.AddRange(page.Runs.Select(r => r.WorkflowId));
            token = page.NextPageToken;
            pages++;
        } while (token is not null);
        Assert.Equal(3, pages);
        Assert.Equal(8, seen.Distinct().Count());
    }
}
