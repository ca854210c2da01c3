using System.Collections.Concurrent;
using Npgsql;
using ServiceDefaults.Lake;
using Temporalio.Activities;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;
using Trades;
using Trades.Analytics;
using Trades.Generation;
using Trades.Storage;
using Workers.Storage;
using Workers.Trades;
using Workflows.Trades;

namespace Workers.Tests;

/// <summary>
/// The trade pipeline on a real Temporal server, PostgreSQL and moto, with every activity losing its first
/// completion after its effect committed (as when a worker dies at that moment): Temporal retries each, and the results
/// are those of a run without retries and of the analytics computed directly.
/// </summary>
[Collection("workers")]
public sealed class TradePipelineRetryTests(WorkersInfrastructure infrastructure)
{
    [Fact]
    public async Task A_pipeline_whose_activities_are_retried_after_their_effects_committed_stores_exactly_the_results_of_a_clean_run()
    {
        await using var dataSource = NpgsqlDataSource.Create(await infrastructure.Postgres.CreateDatabaseAsync("pipeline_retry"));
        await PipelineSchema.ApplyAsync(dataSource, CancellationToken.None);
        var day = new DateOnly(2023, 4, 3);
        var trades = TradeGenerator.GenerateDay(day, "BE", seed: 21, anomalies: 5, intensity: 0.05).Trades;
        await using (var connection = await dataSource.OpenConnectionAsync())
        await using (var tx = await connection.BeginTransactionAsync())
        {
            await TradeStore.StoreAsync(connection, tx, "test:retry", [.. trades.Select((t, i) => ReceivedTrade.AsMessage(t, $"test:{i}"))], [], CancellationToken.None);
            await tx.CommitAsync();
        }
        using var lake = new Lake(LakeConnection.Parse(infrastructure.S3.ConnectionString));
        var client = await infrastructure.ConnectTemporalAsync();
        var activities = new TradeActivities(dataSource, lake, new AnalysisOptions(), TimeProvider.System);

        var retried = new CommitThenLoseCompletion(activities);
        var report = await RunAsync(client, retried, day);
        var afterRetries = await PipelineSnapshot.TakeAsync(dataSource, lake.Client, lake.Bucket);

        Assert.Equal(["SealWindow 1", "SealWindow 2", "Aggregate 1", "Aggregate 2", "Detect 1", "Detect 2", "Export 1", "Export 2"], retried.Attempts);
        var expected = TradeAnalytics.Analyze(trades);
        Assert.Equal((1, expected.ProductStats.Count, expected.Anomalies.Count), (report.Partitions, report.Products, report.Anomalies));
        await using (var stats = dataSource.CreateCommand("SELECT count(*), sum(trade_count)::bigint, (SELECT count(*) FROM pipeline.price_anomalies) FROM pipeline.product_stats"))
        await using (var reader = await stats.ExecuteReaderAsync())
        {
            await reader.ReadAsync();
            Assert.Equal((expected.ProductStats.Count, expected.ProductStats.Sum(s => (long)s.TradeCount), expected.Anomalies.Count),
                ((int)reader.GetInt64(0), reader.GetInt64(1), (int)reader.GetInt64(2)));
        }

        await RunAsync(client, activities, day);
        Assert.True(afterRetries.Equals(await PipelineSnapshot.TakeAsync(dataSource, lake.Client, lake.Bucket)), "a clean run of the same window changed the results of the retried one");
    }

    /// <summary>Runs the workflow on a worker of its own task queue (so no Workers process of another test takes its tasks).</summary>
    static async Task<TradePipelineReport> RunAsync(ITemporalClient client, ITradeActivities activities, DateOnly day)
    {
        var queue = "retry-tests-" + Guid.NewGuid().ToString("N");
        using var worker = new TemporalWorker(client, new TemporalWorkerOptions(queue).AddAllActivities(activities).AddWorkflow<TradePipelineWorkflow>());
        return await worker.ExecuteAsync(() => client.ExecuteWorkflowAsync((TradePipelineWorkflow w) => w.RunAsync(TradePipelineRequest.Backfill(day, day)),
            new WorkflowOptions(TradePipelineWorkflow.BackfillId(day, day), queue) { IdReusePolicy = WorkflowIdReusePolicy.AllowDuplicate }));
    }

    /// <summary>Each activity's first attempt does its work, commits, and then fails as if its completion never reached the server.</summary>
    sealed class CommitThenLoseCompletion(ITradeActivities inner) : ITradeActivities
    {
        public ConcurrentQueue<string> Attempts { get; } = new();

        [Activity]
        public Task<SealedWindow> SealWindowAsync(TradePipelineRequest request, string windowId) => Twice("SealWindow", () => inner.SealWindowAsync(request, windowId));

        [Activity]
        public Task<AggregateOutcome> AggregateAsync(SealedWindow window) => Twice("Aggregate", () => inner.AggregateAsync(window));

        [Activity]
        public Task<DetectOutcome> DetectAsync(SealedWindow window) => Twice("Detect", () => inner.DetectAsync(window));

        [Activity]
        public Task<ExportOutcome> ExportAsync(SealedWindow window) => Twice("Export", () => inner.ExportAsync(window));

        async Task<T> Twice<T>(string name, Func<Task<T>> run)
        {
            var attempt = ActivityExecutionContext.Current.Info.Attempt;
            Attempts.Enqueue($"{name} {attempt}");
            var result = await run();
            if (attempt == 1) throw new ApplicationFailureException($"{name}: completion lost after the effect committed (simulated)");
            return result;
        }
    }
}
