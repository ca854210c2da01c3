using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using Benchmarks.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Npgsql;
using Trades;
using Trades.Generation;
using Trades.Json;

namespace Ingestion.Benchmarks;

/// <summary>
/// WebSocket feed → Workers → Kafka → PostgreSQL latency at a steady live pace: the benchmark is the feed (so it knows
/// when each trade left), the real Workers process ingests, and a poller records when each leg becomes visible in
/// pipeline.trades (every 10 ms, so figures are upper bounds by up to that much).
/// Usage: benchmarks trades-latency [--trades 3000] [--rate 100]
/// </summary>
public static class FeedLatencyBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var count = Bench.Option(args, "--trades", 3000);
        var rate = Bench.Option(args, "--rate", 100);
        var trades = TradeGenerator.GenerateDay(new DateOnly(2023, 1, 1), "FR", seed: 17).Trades.Take(count).ToList();
        Console.WriteLine($"trades-latency: {trades.Count:N0} legs sent at {rate}/s through the real Workers process");

        await using var servers = await BenchServers.StartAsync(s3: true, kafka: true);
        servers.Kafka!.CreateTopic("energy.trades.v1", 16);
        var sent = new ConcurrentDictionary<(long, string), long>();
        var feed = await StartFeedAsync(trades, rate, sent);
        try
        {
            var database = await servers.CreateDatabaseAsync("latency");
            await using var workers = await servers.StartServiceAsync("Workers", database, new Dictionary<string, string>
            {
                ["TradeFeed__Url"] = feed.Urls.First().Replace("http://", "ws://"),
                ["Trades__LiveSchedule__Enabled"] = "false",
            });
            var latencies = await CollectAsync(database, sent, trades.Count);
            double Percentile(double p) => Bench.Percentile(latencies, p);
            Console.WriteLine($"steady state, visible in PostgreSQL after: p50 {Percentile(0.50):F0} ms, p90 {Percentile(0.90):F0} ms, p99 {Percentile(0.99):F0} ms, max {latencies.Max():F0} ms ({latencies.Count:N0} legs)");
            return 0;
        }
        finally
        {
            await feed.StopAsync();
        }
    }

    /// <summary>A minimal feed: every trade once, one message each, at a fixed rate; records when each left.</summary>
    static async Task<WebApplication> StartFeedAsync(IReadOnlyList<Trade> trades, int rate, ConcurrentDictionary<(long, string), long> sent)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        app.UseWebSockets();
        var served = 0;
        app.Run(async context =>
        {
            if (!context.WebSockets.IsWebSocketRequest || Interlocked.Exchange(ref served, 1) == 1) { context.Response.StatusCode = 404; return; }
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < trades.Count; i++)
            {
                var due = TimeSpan.FromSeconds((double)i / rate) - clock.Elapsed;
                if (due > TimeSpan.Zero) await Task.Delay(due);
                sent[(trades[i].TradeId, trades[i].Side == TradeSide.Buy ? "BUY" : "SELL")] = Stopwatch.GetTimestamp();
                await socket.SendAsync(TradeJson.ToUtf8Bytes(trades[i]), WebSocketMessageType.Text, true, CancellationToken.None);
            }
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        });
        await app.StartAsync();
        return app;
    }

    static async Task<List<double>> CollectAsync(string database, ConcurrentDictionary<(long, string), long> sent, int expected)
    {
        var seen = new Dictionary<(long, string), long>();
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        var deadline = Stopwatch.StartNew();
        while (seen.Count < expected && deadline.Elapsed < TimeSpan.FromMinutes(5))
        {
            try
            {
                await using var read = new NpgsqlCommand("SELECT trade_id, side FROM pipeline.trades", connection);
                await using var reader = await read.ExecuteReaderAsync();
                var now = Stopwatch.GetTimestamp();
                while (await reader.ReadAsync()) seen.TryAdd((reader.GetInt64(0), reader.GetString(1)), now);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable) { }
            await Task.Delay(10);
        }
        // Steady state: legs sent after the first one became visible (before that, Workers' consumer is still joining
        // its group, which the local broker delays by ~3 s on a first join).
        var warm = seen.Values.Min();
        return [.. seen.Where(s => sent.TryGetValue(s.Key, out var at) && at >= warm).Select(s => Stopwatch.GetElapsedTime(sent[s.Key], s.Value).TotalMilliseconds)];
    }
}
