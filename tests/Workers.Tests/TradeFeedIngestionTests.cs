using Npgsql;
using TestSupport;
using Trades.Generation;

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
    }
}
