using System.Text;
using Confluent.Kafka;
using Npgsql;
using TestSupport;
using Trades;
using Trades.Generation;
using Trades.Json;

namespace Workers.Tests;

/// <summary>Kafka → Workers → PostgreSQL for trades, each test with a broker and a database of its own.</summary>
[Collection("workers")]
public sealed class TradeIngestionTests(WorkersInfrastructure infrastructure)
{
    const string Topic = "energy.trades.v1";

    [Fact]
    public async Task Malformed_messages_are_quarantined_with_reasons_and_accepted_plus_quarantined_equals_received()
    {
        using var kafka = new KafkaFixture();
        kafka.CreateTopic(Topic, 4);
        var good = TradeGenerator.GenerateDay(new DateOnly(2023, 1, 1), "FR", seed: 7, intensity: 0.02).Trades.Take(200).ToList();
        var template = Encoding.UTF8.GetString(TradeJson.ToUtf8Bytes(good[0]));
        string Replace(string field, string value) =>
            System.Text.RegularExpressions.Regex.Replace(template, $"\"{field}\":\"[^\"]*\"", $"\"{field}\":{value}");
        var bad = new (string Name, byte[] Payload)[]
        {
            ("broken json", "{\"TradeId\":\"1\","u8.ToArray()),
            ("missing field", Encoding.UTF8.GetBytes(template.Replace(",\"Currency\":\"EUR\"", ""))),
            ("wrong type", Encoding.UTF8.GetBytes(Replace("Price", "12.5"))),
            ("non-numeric price", Encoding.UTF8.GetBytes(Replace("Price", "\"abc\""))),
            ("negative volume", Encoding.UTF8.GetBytes(Replace("Volume", "\"-1\""))),
            ("end before start", Encoding.UTF8.GetBytes(Replace("DeliveryEnd", $"\"{good[0].DeliveryStart:yyyy-MM-ddTHH:mm:ssZ}\""))),
            ("unknown currency", Encoding.UTF8.GetBytes(Replace("Currency", "\"XYZ\""))),
            ("huge payload", Encoding.UTF8.GetBytes(Replace("RemoteTradeId", $"\"{new string('x', 100_000)}\""))),
            ("invalid utf-8", [.. "{\"TradeId\":\""u8, 0xC3, 0x28, .. "\"}"u8]),
        };
        using (var producer = new ProducerBuilder<byte[]?, byte[]>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers, MessageMaxBytes = 1_000_000 }).Build())
        {
            foreach (var trade in good.Concat(good.Take(50))) // 50 repeats, as a feed reconnect would send
                producer.Produce(Topic, new Message<byte[]?, byte[]> { Key = Encoding.UTF8.GetBytes(trade.TradeId.ToString()), Value = TradeJson.ToUtf8Bytes(trade) });
            foreach (var (_, payload) in bad) producer.Produce(Topic, new Message<byte[]?, byte[]> { Value = payload });
            producer.Flush(TimeSpan.FromSeconds(10));
        }
        var env = await EnvironmentAsync(kafka, "trades_bad");
        await using var db = new PipelineDatabase(env["ConnectionStrings__postgres"]);

        await using (await ServiceProcess.StartAsync("Workers", env))
            await db.WaitForCountAsync("SELECT (SELECT count(*) FROM pipeline.trades) + (SELECT count(*) FROM pipeline.trade_quarantine)", 200 + bad.Length);

        var distinctLegs = good.Select(t => (t.TradeId, t.Side)).Distinct().Count();
        Assert.Equal(distinctLegs, await db.ScalarAsync<long>("SELECT count(*) FROM pipeline.trades"));
        var reasons = await db.ListAsync<string>("SELECT reason FROM pipeline.trade_quarantine ORDER BY id");
        Assert.Equal(bad.Length, reasons.Count);
        Assert.Equal(distinctLegs + bad.Length, await db.ScalarAsync<long>("SELECT (SELECT count(*) FROM pipeline.trades) + (SELECT count(*) FROM pipeline.trade_quarantine)"));
        Assert.All(reasons, r => Assert.False(string.IsNullOrWhiteSpace(r)));
        Assert.Contains(reasons, r => r.Contains("Currency", StringComparison.Ordinal) && r.Contains("XYZ", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.Contains("Volume", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.Contains("UTF-8", StringComparison.OrdinalIgnoreCase));
        var rawBroken = await db.ScalarAsync<byte[]>("SELECT payload FROM pipeline.trade_quarantine WHERE location LIKE 'energy.trades.v1%' ORDER BY id LIMIT 1");
        Assert.Contains(bad.Select(b => b.Payload), p => p.SequenceEqual(rawBroken));
    }

    [Fact]
    public async Task A_worker_killed_mid_ingestion_leaves_after_restart_exactly_the_distinct_trades_with_matching_checksums()
    {
        using var kafka = new KafkaFixture();
        kafka.CreateTopic(Topic, 16);
        var trades = TradeGenerator.GenerateDay(new DateOnly(2023, 1, 1), "DE", seed: 11, intensity: 0.9).Trades;
        TradeMessages.Produce(kafka, trades);
        var env = await EnvironmentAsync(kafka, "trades_kill");
        await using var db = new PipelineDatabase(env["ConnectionStrings__postgres"]);

        await using (var first = await ServiceProcess.StartAsync("Workers", env))
        {
            await db.WaitForCountAsync("SELECT count(*) FROM pipeline.trades", 1, pollMs: 50);
            await first.KillAsync(); // SIGKILL mid-stream
        }
        var partial = await db.ScalarAsync<long>("SELECT count(*) FROM pipeline.trades");
        Assert.True(partial < trades.Count, $"the worker finished ({partial} rows) before it was killed: nothing was interrupted");

        await using (await ServiceProcess.StartAsync("Workers", env))
            await db.WaitForCountAsync("SELECT count(*) FROM pipeline.trades", trades.Count);

        Assert.Equal(trades.Count, await db.ScalarAsync<long>("SELECT count(*) FROM pipeline.trades"));
        Assert.Equal(trades.Sum(t => t.Price * t.Volume), await db.ScalarAsync<decimal>("SELECT sum(price * volume) FROM pipeline.trades"));
        Assert.Equal(trades.Sum(t => t.TradeId), await db.ScalarAsync<decimal>("SELECT sum(trade_id) FROM pipeline.trades"));
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM pipeline.trade_quarantine"));
        Assert.Equal((long)trades.Count, await db.ScalarAsync<long>("SELECT sum(next_offset)::bigint FROM pipeline.consumer_offsets WHERE topic = 'energy.trades.v1'"));
    }

    async Task<Dictionary<string, string>> EnvironmentAsync(KafkaFixture kafka, string database)
    {
        var env = await infrastructure.EnvironmentAsync(database);
        env["ConnectionStrings__kafka"] = kafka.BootstrapServers;
        return env;
    }
}
