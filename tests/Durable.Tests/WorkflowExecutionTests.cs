using System.Text.Json;
using Durable.TestWorker;
using TestSupport;
using static Durable.Tests.DurableEnvironment;

namespace Durable.Tests;

[Collection("durable")]
public sealed class WorkflowExecutionTests(PostgresFixture postgres)
{
    [Fact]
    public async Task A_workflow_with_sequential_activities_completes_with_the_expected_history_in_order()
    {
        await using var env = await CreateAsync(postgres);
        await env.StartWorkerAsync();
        var result = await WithTimeout(env.Client.ExecuteWorkflowAsync((SequentialWorkflow w) => w.RunAsync("seq", 3, 0, 0), new WorkflowOptions("seq-1", "q")));

        Assert.Equal(60, result);
        var history = await env.Client.GetWorkflowHandle("seq-1").FetchHistoryAsync();
        Assert.Equal(
        [
            "WorkflowStarted", "WorkflowTaskCompleted", "ActivityScheduled", "ActivityCompleted",
            "WorkflowTaskCompleted", "ActivityScheduled", "ActivityCompleted",
            "WorkflowTaskCompleted", "ActivityScheduled", "ActivityCompleted",
            "WorkflowTaskCompleted", "WorkflowCompleted",
        ], history.Events.Select(e => e.Type));
        Assert.Equal(Enumerable.Range(1, 12).Select(i => (long)i), history.Events.Select(e => e.Seq));
        Assert.Equal(3, await env.CountEffectsAsync("done", "seq/%"));
        var description = await env.Client.GetWorkflowHandle("seq-1").DescribeAsync();
        Assert.Equal(WorkflowStatus.Completed, description.Status);
        Assert.Equal(12, description.HistoryLength);
    }

    [Fact]
    public async Task Signals_sent_before_and_during_a_wait_are_delivered_and_queries_answer_from_current_state()
    {
        await using var env = await CreateAsync(postgres);
        var handle = await env.Client.StartWorkflowAsync((ApprovalWorkflow w) => w.RunAsync(2), new WorkflowOptions("approval", "q"));
        await handle.SignalAsync(w => w.ApproveAsync("alice")); // before any worker ran the workflow
        await env.StartWorkerAsync();
        Assert.Equal("approved by alice", await handle.QueryAsync(w => w.Stage));
        await handle.SignalAsync(w => w.ApproveAsync("bob")); // while it waits
        Assert.Equal("alice,bob", await WithTimeout(handle.GetResultAsync<string>()));
        var history = await handle.FetchHistoryAsync();
        Assert.Equal(2, history.Events.Count(e => e.Type == EventTypes.SignalReceived));
    }

    [Fact]
    public async Task Deterministic_apis_return_the_recorded_values_when_replayed()
    {
        await using var env = await CreateAsync(postgres);
        await env.StartWorkerAsync();
        var first = await WithTimeout(env.Client.ExecuteWorkflowAsync((DeterministicApisWorkflow w) => w.RunAsync(), new WorkflowOptions("det", "q")));
        var history = await env.Client.GetWorkflowHandle("det").FetchHistoryAsync();
        // The run method produced `first` during its first task; replaying the whole history must produce the same values again.
        var replay = new WorkflowReplayer().AddWorkflow<DeterministicApisWorkflow>().Replay(history);
        Assert.True(replay.Succeeded, replay.Error?.Message);
        Assert.Equal(3, first!.Split('|').Length);
        Assert.Equal(history.Events.First(e => e.Type == EventTypes.WorkflowTaskCompleted).Time.UtcDateTime.ToString("O"), first.Split('|')[2]);
    }

    [Fact]
    public async Task A_two_second_timer_survives_a_worker_restart_and_fires_once()
    {
        await using var env = await CreateAsync(postgres);
        var worker = await env.StartWorkerAsync();
        var handle = await env.Client.StartWorkflowAsync((TimerWorkflow w) => w.RunAsync("timer", 2000), new WorkflowOptions("timer", "q"));
        await WaitUntilAsync(async () => (await handle.FetchHistoryAsync()).Events.Any(e => e.Type == EventTypes.TimerStarted), TimeSpan.FromSeconds(10), "timer started");
        await StopAsync(worker);
        await Task.Delay(500);
        await env.StartWorkerAsync();
        var started = await WithTimeout(handle.GetResultAsync<DateTime>());
        var history = await handle.FetchHistoryAsync();
        Assert.Equal(1, history.Events.Count(e => e.Type == EventTypes.TimerFired));
        var fired = history.Events.Single(e => e.Type == EventTypes.TimerFired).Time;
        Assert.InRange((fired.UtcDateTime - started).TotalSeconds, 1.95, 6);
        Assert.Equal(1, await env.CountEffectsAsync("done", "timer/%"));
    }

    [Fact]
    public async Task Child_workflows_run_and_report_their_results_to_the_parent()
    {
        await using var env = await CreateAsync(postgres);
        await env.StartWorkerAsync();
        var sum = await WithTimeout(env.Client.ExecuteWorkflowAsync((ParentWorkflow w) => w.RunAsync("fam", 3), new WorkflowOptions("parent", "q")));
        Assert.Equal(3 * (10 + 20), sum);
        var children = await env.Client.ListWorkflowsAsync(new WorkflowListFilter { IdPrefix = "parent-child-" });
        Assert.Equal(3, children.Runs.Count);
        Assert.All(children.Runs, c => Assert.Equal(WorkflowStatus.Completed, c.Status));
        var history = await env.Client.GetWorkflowHandle("parent").FetchHistoryAsync();
        Assert.Equal(3, history.Events.Count(e => e.Type == EventTypes.ChildWorkflowStarted));
        Assert.Equal(3, history.Events.Count(e => e.Type == EventTypes.ChildWorkflowCompleted));

        // What a console shows of the parent and of one child: input, result, parent, children.
        var parent = await env.Client.GetWorkflowHandle("parent").FetchDetailsAsync();
        Assert.Equal(["fam", "3"], parent.Input!.Value.EnumerateArray().Select(a => a.ToString()));
        Assert.Equal("90", parent.Result?.GetRawText());
        Assert.Null(parent.ParentWorkflowId);
        var listed = await env.Client.ListWorkflowsAsync(new WorkflowListFilter { ParentRunId = parent.Run.RunId });
        Assert.Equal(children.Runs.Select(c => c.RunId).Order(), listed.Runs.Select(c => c.RunId).Order());
        Assert.Equal(3, await env.Client.CountWorkflowsAsync(new WorkflowListFilter { ParentRunId = parent.Run.RunId }));
        Assert.Empty((await env.Client.ListWorkflowsAsync(new WorkflowListFilter { ParentRunId = children.Runs[0].RunId })).Runs);
        var child = await env.Client.GetWorkflowHandle(children.Runs[0].WorkflowId).FetchDetailsAsync();
        Assert.Equal("parent", child.ParentWorkflowId);
        Assert.Equal(parent.Run.RunId, child.Run.ParentRunId);
        Assert.Equal(JsonValueKind.Number, child.Result?.ValueKind);
    }
}
