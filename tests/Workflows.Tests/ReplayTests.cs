using Temporalio.Common;
using Temporalio.Worker;
using Temporalio.Workflows;
using Workflows.Trades;

namespace Workflows.Tests;

/// <summary>
/// Replay safety: the histories recorded from every workflow type (Histories/*.json, written by
/// <see cref="TradePipelineWorkflowTests"/> with RECORD_HISTORIES=1) replay against the current code, so a deployment
/// cannot break runs that are in flight; and a workflow whose commands changed is caught by the same check.
/// </summary>
public sealed class ReplayTests
{
    public static TheoryData<string> RecordedHistories() => [.. Directory.GetFiles(HistoriesDirectory, "*.json").Select(f => Path.GetFileName(f)).Order()];

    static IEnumerable<Type> WorkflowTypes => typeof(TradePipelineWorkflow).Assembly.GetExportedTypes().Where(t => t.IsDefined(typeof(WorkflowAttribute), false));

    static string HistoriesDirectory => Path.Combine(AppContext.BaseDirectory, "Histories");

    [Fact]
    public void Every_workflow_type_has_recorded_histories()
    {
        var recorded = Directory.GetFiles(HistoriesDirectory, "*.json").Select(f => Load(Path.GetFileName(f)).Events.First().WorkflowExecutionStartedEventAttributes.WorkflowType.Name).ToHashSet();
        Assert.All(WorkflowTypes, type => Assert.Contains(type.Name, recorded));
    }

    [Theory]
    [MemberData(nameof(RecordedHistories))]
    public async Task A_recorded_history_replays_against_the_current_workflow_code(string file)
    {
        var options = new WorkflowReplayerOptions();
        foreach (var type in WorkflowTypes) options.AddWorkflow(type);
        var result = await new WorkflowReplayer(options).ReplayWorkflowAsync(Load(file));
        Assert.Null(result.ReplayFailure);
    }

    [Fact]
    public async Task A_workflow_that_reorders_its_steps_fails_replay_with_the_nondeterminism_error()
    {
        var replayer = new WorkflowReplayer(new WorkflowReplayerOptions().AddWorkflow<DetectBeforeAggregateWorkflow>());

        var error = await Assert.ThrowsAsync<Temporalio.Exceptions.WorkflowNondeterminismException>(() => replayer.ReplayWorkflowAsync(Load("backfill-window.json")));

        Assert.Contains("Nondeterminism", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    static WorkflowHistory Load(string file) =>
        WorkflowHistory.FromJson(Path.GetFileNameWithoutExtension(file), File.ReadAllText(Path.Combine(HistoriesDirectory, file)));

    /// <summary>The pipeline as a careless change would leave it: detect moved before aggregate, same workflow type name.</summary>
    [Workflow("TradePipelineWorkflow")]
    public sealed class DetectBeforeAggregateWorkflow
    {
        [WorkflowRun]
        public async Task<TradePipelineReport> RunAsync(TradePipelineRequest request)
        {
            var window = await Workflow.ExecuteActivityAsync((ITradeActivities a) => a.SealWindowAsync(request, Workflow.Info.WorkflowId), PipelineSteps.Database);
            var anomalies = await Workflow.ExecuteActivityAsync((ITradeActivities a) => a.DetectAsync(window), PipelineSteps.Database);
            var aggregate = await Workflow.ExecuteActivityAsync((ITradeActivities a) => a.AggregateAsync(window), PipelineSteps.Database);
            var export = await Workflow.ExecuteActivityAsync((ITradeActivities a) => a.ExportAsync(window), PipelineSteps.Export);
            return new TradePipelineReport(window.WindowId, window.Partitions.Count, aggregate.Products, aggregate.Trades, anomalies.Anomalies, export.Files);
        }
    }
}
