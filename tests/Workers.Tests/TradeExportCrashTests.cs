using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Durable;
using Npgsql;
using ServiceDefaults.Lake;
using TestSupport;
using Trades;
using Trades.Analytics;
using Trades.Generation;
using Trades.Json;
using Workflows.Trades;

namespace Workers.Tests;

[Collection("workers")]
public sealed class TradeExportCrashTests(WorkersInfrastructure infrastructure)
{
    [Fact]
    public async Task A_worker_killed_during_export_is_taken_over_and_the_lake_and_tables_match_the_data_exactly()
    {
        using var kafka = new KafkaFixture();
        kafka.CreateTopic("energy.trades.v1", 4);
        var first = new DateOnly(2023, 2, 6);
        var generated = TradeGenerator.GenerateDays(new TradeGenerationOptions { FirstDay = first, Days = 3, Areas = ["FR", "DE", "BE"], Seed = 9, Intensity = 0.08 })
            .SelectMany(d => d.Trades).ToList();
        TradeMessages.Produce(kafka, generated);
        var env = await infrastructure.EnvironmentAsync("export_crash");
        env["ConnectionStrings__kafka"] = kafka.BootstrapServers;
        env["Trades__LiveSchedule__Enabled"] = "false";
        env["Durable__LeaseSeconds"] = "3";
        await using var db = new PipelineDatabase(env["ConnectionStrings__postgres"]);
        var client = new DurableClient(db.DataSource);

        var exportedBeforeKill = 0L;
        await using (var victim = await ServiceProcess.StartAsync("Workers", env))
        {
            await db.WaitForCountAsync("SELECT count(*) FROM pipeline.trades", generated.Count);
            await client.StartWorkflowAsync((TradePipelineWorkflow w) => w.RunAsync(TradePipelineRequest.Backfill(first, first.AddDays(2))),
                new WorkflowOptions("export-crash", TradePipelineWorkflow.TaskQueue));
            exportedBeforeKill = await db.WaitForCountAsync("SELECT count(*) FROM pipeline.lake_exports", 1, pollMs: 20);
            await victim.KillAsync();
        }
        Assert.True(exportedBeforeKill < 9, "the export finished before the worker was killed: nothing was interrupted");

        await using (await ServiceProcess.StartAsync("Workers", env))
        {
            var report = await client.GetWorkflowHandle("export-crash").GetResultAsync<TradePipelineReport>();
            Assert.Equal(9, report!.Partitions);
        }

        // Tables: exactly what the analytics compute from the generated trades.
        var expected = TradeAnalytics.Analyze(generated);
        await using (var stats = db.DataSource.CreateCommand("SELECT count(*), sum(trade_count)::bigint FROM pipeline.product_stats"))
        await using (var reader = await stats.ExecuteReaderAsync())
        {
            await reader.ReadAsync();
            Assert.Equal((long)expected.ProductStats.Count, reader.GetInt64(0));
            Assert.Equal(expected.ProductStats.Sum(s => (long)s.TradeCount), reader.GetInt64(1));
        }
        Assert.Equal(9L, await db.WaitForCountAsync("SELECT count(*) FROM pipeline.lake_exports", 9));

        // Lake: every manifest's files exist with the checksums it lists, and the trades files hold every leg once.
        var lake = LakeConnection.Parse(env["ConnectionStrings__lake"]);
        using var s3 = lake.CreateClient();
        long tradeRows = 0;
        await using var manifests = db.DataSource.CreateCommand("SELECT prefix FROM pipeline.lake_exports WHERE delivery_date BETWEEN $1 AND $2");
        manifests.Parameters.Add(new() { Value = first });
        manifests.Parameters.Add(new() { Value = first.AddDays(2) });
        await using var keys = await manifests.ExecuteReaderAsync();
        while (await keys.ReadAsync())
        {
            using var manifestObject = await s3.GetObjectAsync(lake.Bucket, keys.GetString(0));
            var manifest = (await JsonDocument.ParseAsync(manifestObject.ResponseStream)).RootElement;
            foreach (var file in manifest.GetProperty("files").EnumerateArray())
            {
                using var data = await s3.GetObjectAsync(lake.Bucket, file.GetProperty("path").GetString());
                var bytes = new MemoryStream();
                await data.ResponseStream.CopyToAsync(bytes);
                Assert.Equal(file.GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(bytes.ToArray())));
                if (file.GetProperty("path").GetString()!.StartsWith("trades/", StringComparison.Ordinal)) tradeRows += file.GetProperty("rows").GetInt64();
            }
        }
        Assert.Equal(generated.Count, tradeRows);
    }
}
