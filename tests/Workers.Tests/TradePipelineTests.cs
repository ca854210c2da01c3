using System.Text;
using System.Text.Json;
using Amazon.S3.Model;
using Confluent.Kafka;
using Npgsql;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Common;
using ServiceDefaults.Lake;
using TestSupport;
using Trades;
using Trades.Analytics;
using Trades.Generation;
using Trades.Json;
using Workflows.Trades;

namespace Workers.Tests;

/// <summary>Generated trades through Kafka into PostgreSQL, then the trade pipeline workflow on Temporal, run by the Workers process.</summary>
[Collection("workers")]
public sealed class TradePipelineTests(WorkersInfrastructure infrastructure)
{
    [Fact]
    public async Task A_backfill_run_stores_the_expected_statistics_and_anomalies_and_exports_readable_parquet_and_a_rerun_changes_nothing()
    {
        using var kafka = new KafkaFixture();
        kafka.CreateTopic("energy.trades.v1", 4);
        var day = new DateOnly(2023, 1, 1);
        var generated = TradeGenerator.GenerateDay(day, "FR", seed: 5, anomalies: 12, intensity: 0.15);
        TradeMessages.Produce(kafka, generated.Trades);
        var env = await infrastructure.EnvironmentAsync("pipeline_backfill");
        env["ConnectionStrings__kafka"] = kafka.BootstrapServers;
        var expected = TradeAnalytics.Analyze(generated.Trades);

        await using var workers = await ServiceProcess.StartAsync("Workers", env);
        await using var db = new PipelineDatabase(env["ConnectionStrings__postgres"]);
        await db.WaitForCountAsync("SELECT count(*) FROM pipeline.trades", generated.Trades.Count);
        var client = await infrastructure.ConnectTemporalAsync();
        var report = await client.ExecuteWorkflowAsync((TradePipelineWorkflow w) => w.RunAsync(TradePipelineRequest.Backfill(day, day)),
            new WorkflowOptions(TradePipelineWorkflow.BackfillId(day, day), TradePipelineWorkflow.TaskQueue));

        Assert.Equal(1, report.Partitions);
        Assert.Equal(expected.ProductStats.Count, report.Products);
        Assert.Equal(expected.Anomalies.Count, report.Anomalies);
        var first = await SnapshotAsync(db);
        Assert.Equal(expected.ProductStats.Count, first.Stats);
        Assert.Equal(expected.ProductStats.Sum(s => s.TotalVolume), first.TotalVolume); // exact: numeric in the table
        Assert.Equal(expected.ProductStats.Sum(s => s.TradeCount), first.TradeCount);
        Assert.Equal(expected.Anomalies.Select(a => a.TradeId).Order(), first.AnomalyTradeIds);
        Assert.Equal(expected.TopProducts.Where(t => t.Scope == TopProduct.OverallScope).Select(t => $"{t.Product} {new DateTimeOffset(t.DeliveryStart).ToUnixTimeSeconds()}"),
            first.OverallTop);
        Assert.True(generated.Anomalies.Count(a => first.AnomalyTradeIds.Contains(a.TradeId)) >= generated.Anomalies.Count * 0.9, "the robust method missed injected anomalies");

        // The lake: a manifest whose files an independent reader agrees with.
        var lake = LakeConnection.Parse(env["ConnectionStrings__lake"]);
        using var s3 = lake.CreateClient();
        var manifestKey = "manifests/deliveryDate=2023-01-01/deliveryArea=FR/manifest.json";
        var manifest = await ReadJsonAsync(s3, lake.Bucket, manifestKey);
        var tradesFile = manifest.GetProperty("files").EnumerateArray().Single(f => f.GetProperty("path").GetString()!.StartsWith("trades/", StringComparison.Ordinal));
        var local = Path.Combine(Path.GetTempPath(), Guid.NewGuid() + ".parquet");
        using (var get = await s3.GetObjectAsync(lake.Bucket, tradesFile.GetProperty("path").GetString()))
            await get.WriteResponseStreamToFileAsync(local, append: false, CancellationToken.None);
        using (var reader = new IndependentParquetReader())
        {
            var summary = reader.Summarize(local);
            Assert.Equal(generated.Trades.Count, summary.Rows);
            Assert.Equal(tradesFile.GetProperty("rows").GetInt64(), summary.Rows);
            Assert.Equal(generated.Trades.Sum(t => t.Volume), summary.Sums["volume"]);
            Assert.Equal(tradesFile.GetProperty("sha256").GetString(), IndependentParquetReader.Sha256(local));
        }
        File.Delete(local);
        var objects = await ListKeysAsync(s3, lake.Bucket);

        // Running the same window again (a new run of the same workflow ID) replaces results and files: nothing is added.
        await client.ExecuteWorkflowAsync((TradePipelineWorkflow w) => w.RunAsync(TradePipelineRequest.Backfill(day, day)),
            new WorkflowOptions(TradePipelineWorkflow.BackfillId(day, day), TradePipelineWorkflow.TaskQueue) { IdReusePolicy = WorkflowIdReusePolicy.AllowDuplicate });
        Assert.Equal(first, await SnapshotAsync(db));
        Assert.Equal(objects, await ListKeysAsync(s3, lake.Bucket));
    }

    [Fact]
    public async Task A_live_window_covers_what_was_ingested_since_the_last_one_and_an_empty_window_does_nothing()
    {
        using var kafka = new KafkaFixture();
        kafka.CreateTopic("energy.trades.v1", 4);
        var trades = TradeGenerator.GenerateDay(new DateOnly(2023, 1, 2), "NL", seed: 3, intensity: 0.05).Trades;
        TradeMessages.Produce(kafka, trades);
        var env = await infrastructure.EnvironmentAsync("pipeline_live");
        env["ConnectionStrings__kafka"] = kafka.BootstrapServers;

        await using var workers = await ServiceProcess.StartAsync("Workers", env);
        await using var db = new PipelineDatabase(env["ConnectionStrings__postgres"]);
        await db.WaitForCountAsync("SELECT count(*) FROM pipeline.trades", trades.Count);
        await Task.Delay(TradeActivitiesSealLag);
        var client = await infrastructure.ConnectTemporalAsync();
        var (first, second) = ($"trades-live-{Guid.NewGuid():N}", $"trades-live-{Guid.NewGuid():N}");

        var live = await client.ExecuteWorkflowAsync((TradePipelineWorkflow w) => w.RunAsync(TradePipelineRequest.Live()), new WorkflowOptions(first, TradePipelineWorkflow.TaskQueue));
        var empty = await client.ExecuteWorkflowAsync((TradePipelineWorkflow w) => w.RunAsync(TradePipelineRequest.Live()), new WorkflowOptions(second, TradePipelineWorkflow.TaskQueue));

        Assert.Equal(1, live.Partitions);
        Assert.Equal(TradeAnalytics.Analyze(trades).ProductStats.Count, live.Products);
        Assert.Equal(0, empty.Partitions);
        var history = await client.GetWorkflowHandle(first).FetchHistoryAsync();
        Assert.Equal(["SealWindow", "Aggregate", "Detect", "Export"], ScheduledActivities(history));
    }

    static readonly TimeSpan TradeActivitiesSealLag = Workers.Trades.TradeActivities.SealLag + TimeSpan.FromSeconds(1);

    static List<string> ScheduledActivities(WorkflowHistory history) =>
        [.. history.Events.Where(e => e.EventType == EventType.ActivityTaskScheduled).Select(e => e.ActivityTaskScheduledEventAttributes.ActivityType.Name)];

    sealed record Snapshot(long Stats, decimal TotalVolume, long TradeCount, List<long> AnomalyTradeIds, List<string> OverallTop)
    {
        public bool Equals(Snapshot? other) => other is not null && Stats == other.Stats && TotalVolume == other.TotalVolume
            && TradeCount == other.TradeCount && AnomalyTradeIds.SequenceEqual(other.AnomalyTradeIds) && OverallTop.SequenceEqual(other.OverallTop);
        public override int GetHashCode() => Stats.GetHashCode();
    }

    static async Task<Snapshot> SnapshotAsync(PipelineDatabase db)
    {
        await using var stats = db.DataSource.CreateCommand("SELECT count(*), sum(total_volume), sum(trade_count)::bigint FROM pipeline.product_stats");
        await using var reader = await stats.ExecuteReaderAsync();
        await reader.ReadAsync();
        var (count, volume, trades) = (reader.GetInt64(0), reader.GetDecimal(1), reader.GetInt64(2));
        return new Snapshot(count, volume, trades,
            await db.ListAsync<long>("SELECT trade_id FROM pipeline.price_anomalies ORDER BY trade_id"),
            await db.ListAsync<string>("SELECT product || ' ' || extract(epoch FROM delivery_start)::bigint FROM pipeline.top_products WHERE scope = 'overall' ORDER BY rank"));
    }

    static async Task<JsonElement> ReadJsonAsync(Amazon.S3.IAmazonS3 s3, string bucket, string key)
    {
        using var response = await s3.GetObjectAsync(bucket, key);
        return (await JsonDocument.ParseAsync(response.ResponseStream)).RootElement.Clone();
    }

    static async Task<List<string>> ListKeysAsync(Amazon.S3.IAmazonS3 s3, string bucket) =>
        [.. ((await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket })).S3Objects ?? []).Select(o => o.Key).Order(StringComparer.Ordinal)];
}
