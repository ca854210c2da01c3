using System.Diagnostics;
using System.Text;
using Benchmarks.Support;
using Confluent.Kafka;
using Npgsql;
using NpgsqlTypes;
using Trades;
using Trades.Generation;
using Trades.Json;

namespace Ingestion.Benchmarks;

/// <summary>
/// Kafka → validated, de-duplicated trade legs in PostgreSQL, by the real Workers process, against a baseline measured
/// in the same run on the same server: one raw binary COPY of the same rows into a table of the same shape and keys.
/// Usage: benchmarks trades-ingestion [--trades 200000] [--runs 3]
/// (the local broker keeps ~5 MiB per partition, so 16 partitions hold about 240k trade messages).
/// </summary>
public static class TradeIngestionBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var count = Bench.Option(args, "--trades", 200_000);
        var runs = Bench.Option(args, "--runs", 3);
        var trades = Generate(count);
        Console.WriteLine($"trades-ingestion: {trades.Count:N0} trade legs, {runs} run(s), {Environment.ProcessorCount} cores");

        await using var servers = await BenchServers.StartAsync(s3: true, kafka: true);
        var kafka = servers.Kafka!;
        kafka.CreateTopic("energy.trades.v1", 16);

        var produce = Stopwatch.StartNew();
        using (var producer = new ProducerBuilder<byte[]?, byte[]>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers, LingerMs = 5, EnableIdempotence = true, QueueBufferingMaxMessages = 2_000_000 }).Build())
        {
            foreach (var trade in trades)
                producer.Produce("energy.trades.v1", new Message<byte[]?, byte[]> { Key = Encoding.UTF8.GetBytes(trade.TradeId.ToString()), Value = TradeJson.ToUtf8Bytes(trade) });
            producer.Flush(TimeSpan.FromMinutes(2));
        }
        Console.WriteLine($"produced to the local broker in {produce.Elapsed.TotalSeconds:F2} s ({trades.Count / produce.Elapsed.TotalSeconds:N0} msg/s)");

        var ingest = new List<double>();
        var baseline = new List<double>();
        var rss = new List<double>();
        for (var run = 1; run <= runs; run++)
        {
            var database = await servers.CreateDatabaseAsync("bench");
            var workers = await servers.StartServiceAsync("Workers", database, new Dictionary<string, string> { ["Trades__LiveSchedule__Enabled"] = "false" });
            var (seconds, peakRss) = await MeasureIngestionAsync(database, trades.Count, workers.Pid);
            await workers.DisposeAsync();
            var copy = await MeasureBaselineCopyAsync(database, trades);
            ingest.Add(trades.Count / seconds);
            baseline.Add(trades.Count / copy);
            rss.Add(peakRss);
            Console.WriteLine($"run {run}: ingestion {trades.Count / seconds:N0} trades/s ({seconds:F2} s), raw COPY {trades.Count / copy:N0} rows/s ({copy:F2} s), ratio {copy / seconds:F2}, Workers peak RSS {peakRss:F0} MB");
        }
        Console.WriteLine($"median: ingestion {Bench.Median(ingest):N0} trades/s, raw COPY {Bench.Median(baseline):N0} rows/s, ratio {Bench.Median(ingest) / Bench.Median(baseline):F2}, Workers peak RSS {Bench.Median(rss):F0} MB");
        return 0;
    }

    /// <summary>
    /// Seconds from the first stored leg to the last (the process's start-up is not ingestion), and peak RSS. Progress
    /// is read from the consumer's stored offsets, which commit with the rows (every message here is a new leg): a
    /// count(*) over the growing table every 20 ms cost PostgreSQL a good part of a core, taken from the ingestion it
    /// measured. The rows are counted once at the end.
    /// </summary>
    static async Task<(double Seconds, double PeakRssMb)> MeasureIngestionAsync(string database, int expected, int pid)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        Stopwatch? clock = null;
        while (true)
        {
            long stored = 0;
            try
            {
                await using var offsets = new NpgsqlCommand("SELECT coalesce(sum(next_offset), 0)::bigint FROM pipeline.consumer_offsets WHERE topic = 'energy.trades.v1'", connection);
                stored = (long)(await offsets.ExecuteScalarAsync())!;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable) { }
            if (stored > 0) clock ??= Stopwatch.StartNew();
            if (stored >= expected) break;
            await Task.Delay(20);
        }
        var seconds = clock!.Elapsed.TotalSeconds;
        var status = await File.ReadAllLinesAsync($"/proc/{pid}/status");
        var hwm = status.First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        await using var count = new NpgsqlCommand("SELECT count(*) FROM pipeline.trades", connection);
        var rows = (long)(await count.ExecuteScalarAsync())!;
        if (rows != expected) throw new InvalidOperationException($"{rows:N0} legs stored, expected {expected:N0}");
        return (seconds, double.Parse(hwm) / 1024);
    }

    static async Task<double> MeasureBaselineCopyAsync(string database, IReadOnlyList<Trade> trades)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using (var create = new NpgsqlCommand("CREATE TABLE baseline_trades (LIKE pipeline.trades INCLUDING DEFAULTS INCLUDING INDEXES)", connection)) await create.ExecuteNonQueryAsync();
        var clock = Stopwatch.StartNew();
        await using (var writer = await connection.BeginBinaryImportAsync(
            "COPY baseline_trades (trade_id, side, remote_trade_id, product, delivery_start, delivery_end, execution_time, delivery_area, trade_phase, user_defined_block, self_trade, price, currency, volume, volume_unit, order_id, origin) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var t in trades)
            {
                await writer.StartRowAsync();
                await writer.WriteAsync(t.TradeId, NpgsqlDbType.Bigint);
                await writer.WriteAsync(t.Side == TradeSide.Buy ? "BUY" : "SELL", NpgsqlDbType.Text);
                await writer.WriteAsync(t.RemoteTradeId, NpgsqlDbType.Text);
                await writer.WriteAsync(t.Product, NpgsqlDbType.Text);
                await writer.WriteAsync(t.DeliveryStart, NpgsqlDbType.TimestampTz);
                await writer.WriteAsync(t.DeliveryEnd, NpgsqlDbType.TimestampTz);
                await writer.WriteAsync(t.ExecutionTime, NpgsqlDbType.TimestampTz);
                await writer.WriteAsync(t.DeliveryArea, NpgsqlDbType.Text);
                await writer.WriteAsync(t.TradePhase, NpgsqlDbType.Text);
                await writer.WriteAsync(t.UserDefinedBlock, NpgsqlDbType.Text);
                await writer.WriteAsync(t.SelfTrade, NpgsqlDbType.Text);
                await writer.WriteAsync(t.Price, NpgsqlDbType.Numeric);
                await writer.WriteAsync(t.Currency, NpgsqlDbType.Text);
                await writer.WriteAsync(t.Volume, NpgsqlDbType.Numeric);
                await writer.WriteAsync(t.VolumeUnit, NpgsqlDbType.Text);
                await writer.WriteAsync(t.OrderId, NpgsqlDbType.Bigint);
                await writer.WriteAsync("baseline", NpgsqlDbType.Text);
            }
            await writer.CompleteAsync();
        }
        return clock.Elapsed.TotalSeconds;
    }

    static List<Trade> Generate(int count)
    {
        var trades = new List<Trade>(count);
        foreach (var day in TradeGenerator.GenerateDays(new TradeGenerationOptions { FirstDay = new DateOnly(2023, 1, 1), Days = 60, Areas = TradeGenerator.Areas, Seed = 3 }))
        {
            trades.AddRange(day.Trades.Take(count - trades.Count));
            if (trades.Count >= count) break;
        }
        return trades;
    }
}
