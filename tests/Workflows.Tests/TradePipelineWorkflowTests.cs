using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Worker;
using TestSupport;
using Workflows.Trades;

namespace Workflows.Tests;

/// <summary>
/// The workflow's orchestration on a real Temporal server with scripted activities: the order of steps, what each
/// receives, the empty-window shortcut, the stage query, a rejected request not retried. Each run's history replays
/// against the current code; with RECORD_HISTORIES=1 it is also written to Histories/ for <see cref="ReplayTests"/>.
/// </summary>
[Collection(TemporalCollection.Name)]
public sealed class TradePipelineWorkflowTests(TemporalEnvironment temporal)
{
    static readonly DateOnly Day = new(2023, 1, 1);

    [Fact]
    public async Task A_window_runs_seal_aggregate_detect_export_in_order_and_reports_their_outcomes()
    {
        var activities = new ScriptedTradeActivities(new SealedWindow("w1", null, null, [new(Day, "FR"), new(Day, "DE")]));
        var id = TradePipelineWorkflow.BackfillId(Day, Day);

        var (report, stage) = await RunAsync(activities, id, TradePipelineRequest.Backfill(Day, Day));

        Assert.Equal(["seal Backfill " + id + " attempt 1", "aggregate w1 2", "detect w1 2", "export w1 2"], activities.Calls);
        Assert.Equal(new TradePipelineReport("w1", 2, 170, 3300, 7, 10), report);
        Assert.Equal("done", stage);
        await CheckReplayAndRecordAsync(id, "backfill-window");
    }

    [Fact]
    public async Task An_empty_window_stops_after_the_seal_step()
    {
        var activities = new ScriptedTradeActivities(new SealedWindow("w2", null, null, []));
        var id = "trades-live-2023-01-01T00:01:00Z";

        var (report, _) = await RunAsync(activities, id, TradePipelineRequest.Live());

        Assert.Equal([$"seal Live {id} attempt 1"], activities.Calls);
        Assert.Equal(new TradePipelineReport("w2", 0, 0, 0, 0, 0), report);
        await CheckReplayAndRecordAsync(id, "live-empty-window");
    }

    [Fact]
    public async Task A_rejected_request_fails_the_run_at_once_without_retrying_the_step()
    {
        var activities = new ScriptedTradeActivities(new SealedWindow("w3", null, null, [])) { RejectSeal = true };
        var id = "trades-backfill-rejected";

        var failure = await Assert.ThrowsAsync<WorkflowFailedException>(() => RunAsync(activities, id, TradePipelineRequest.Backfill(Day, Day)));

        var cause = Assert.IsType<ApplicationFailureException>(Assert.IsType<ActivityFailureException>(failure.InnerException).InnerException);
        Assert.Equal(WorkflowErrors.InvalidRequest, cause.ErrorType);
        Assert.Equal([$"seal Backfill {id} attempt 1"], activities.Calls);
        await CheckReplayAndRecordAsync(id, "rejected-request");
    }

    /// <summary>Runs the workflow on a worker of its own task queue; returns its result and, while the worker still answers queries, its stage.</summary>
    async Task<(TradePipelineReport Report, string Stage)> RunAsync(ScriptedTradeActivities activities, string id, TradePipelineRequest request)
    {
        var queue = "workflow-tests-" + Guid.NewGuid().ToString("N");
        using var worker = new TemporalWorker(temporal.Client, new TemporalWorkerOptions(queue).AddAllActivities<ITradeActivities>(activities).AddWorkflow<TradePipelineWorkflow>());
        return await worker.ExecuteAsync(async () =>
        {
            var handle = await temporal.Client.StartWorkflowAsync((TradePipelineWorkflow w) => w.RunAsync(request), new WorkflowOptions(id, queue));
            var report = await handle.GetResultAsync();
            return (report, await handle.QueryAsync(w => w.Stage));
        });
    }

    async Task CheckReplayAndRecordAsync(string id, string name)
    {
        var history = await temporal.Client.GetWorkflowHandle(id).FetchHistoryAsync();
        await new WorkflowReplayer(new WorkflowReplayerOptions().AddWorkflow<TradePipelineWorkflow>()).ReplayWorkflowAsync(history);
        if (Environment.GetEnvironmentVariable("RECORD_HISTORIES") == "1")
            await File.WriteAllTextAsync(Path.Combine(ServiceProcess.RepositoryRoot, "tests", "Workflows.Tests", "Histories", name + ".json"), history.ToJson());
    }
}
