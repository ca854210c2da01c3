using Npgsql;
using TestSupport;
using Trades.Csv;
using Trades.Generation;
using Trades.Storage;
using Workers.Storage;

namespace Workers.Tests;

/// <summary>Feeds' WebSocket feed → Workers' reader → Kafka → ingestion → PostgreSQL, all real processes.</summary>
[Collection("workers")]
public sealed class TradeFeedIngestionTests(WorkersInfrastructure infrastructure)
{
    [Fact]
    public async Task A_generated_day_streamed_through_the_websocket_feed_lands_in_postgres_exactly_once_per_leg()
    {
        using var kafka = new KafkaFixture();
        kafka.CreateTopic("energy.trades.v1", 16);
        var day = TradeGenerator.GenerateDay(new DateOnly(2023, 1, 1), "FR", seed: 21, intensity: 0.2);
        await using var feeds = await ServiceProcess.StartAsync("Feeds", new Dictionary<string, string>
        {
            ["ConnectionStrings__kafka"] = kafka.BootstrapServers,
            ["TradeFeed__Port"] = "0",
            ["TradeFeed__Day"] = "2023-01-01",
            ["TradeFeed__Area"] = "FR",
            ["TradeFeed__Seed"] = "21",
            ["TradeFeed__Intensity"] = "0.2",
            ["TradeFeed__Speed"] = "1000000",
        });
        var env = await infrastructure.EnvironmentAsync("feed_ingest");
        env["ConnectionStrings__kafka"] = kafka.BootstrapServers;
        env["services__feeds__http__0"] = feeds.Url.ToString().TrimEnd('/');
        env["Trades__LiveSchedule__Enabled"] = "false";

        await using var workers = await ServiceProcess.StartAsync("Workers", env);
        await using var db = new PipelineDatabase(env["ConnectionStrings__postgres"]);

        Assert.Equal(day.Trades.Count, await db.WaitForCountAsync("SELECT count(*) FROM pipeline.trades", day.Trades.Count));
        await using var sums = db.DataSource.CreateCommand("SELECT sum(price * volume), sum(trade_id), count(DISTINCT (trade_id, side)) FROM pipeline.trades");
        await using var reader = await sums.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal(day.Trades.Sum(t => t.Price * t.Volume), reader.GetDecimal(0));
        Assert.Equal(day.Trades.Sum(t => t.TradeId), reader.GetDecimal(1));
        Assert.Equal(day.Trades.Count, reader.GetInt64(2));
        await reader.DisposeAsync();

        // The same day as an exchange CSV through the batch path (TradeFileImport, what the import API runs)
        // into another database gives the identical table, leg for leg and value for value.
        var csv = Path.Combine(Path.GetTempPath(), $"feed-day-{Guid.NewGuid():N}.csv");
        TradeCsv.Write(csv, day.Trades, "Continuous_Trades FR 2023-01-01");
        await using var batch = new PipelineDatabase(await infrastructure.Postgres.CreateDatabaseAsync("batch_import"));
        await PipelineSchema.ApplyAsync(batch.DataSource, CancellationToken.None);
        await using (var connection = await batch.DataSource.OpenConnectionAsync())
        await using (var file = File.OpenRead(csv))
        {
            var outcome = await TradeFileImport.ImportAsync(connection, file, "day.csv", "import:test", CancellationToken.None);
            Assert.Equal(new FileImportOutcome(day.Trades.Count, new StoreOutcome(day.Trades.Count, 0, 0)), outcome);
        }
        File.Delete(csv);
        Assert.Equal(await TableChecksumAsync(db), await TableChecksumAsync(batch));
    }

    /// <summary>An order-independent digest of every stored value except where and when it arrived.</summary>
    static Task<string> TableChecksumAsync(PipelineDatabase db) => db.ScalarAsync<string>("""
        SELECT md5(string_agg(row_text, E'\n' ORDER BY row_text)) FROM (
            SELECT concat_ws('|', trade_id, side, remote_trade_id, product, delivery_start, delivery_end, execution_time, delivery_area,
                   trade_phase, user_defined_block, self_trade, price, currency, volume, volume_unit, order_id) AS row_text
            FROM pipeline.trades) t
        """);
}
