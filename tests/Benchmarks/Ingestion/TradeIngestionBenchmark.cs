using System.Diagnostics;
using System.Text;
using Benchmarks.Support;
using Confluent.Kafka;
using Npgsql;
using NpgsqlTypes;
using Trades;
using Trades.Generation;
using Trades.Json;
using Trades.Storage;
using Trades.Validation;
using Workers.Storage;

namespace Ingestion.Benchmarks;

/// <summary>
/// Kafka → validated, de-duplicated trade legs in PostgreSQL, by the real Workers process, against a baseline measured
/// in the same run on the same server: one raw binary COPY of the same rows into a table of the same shape and keys.
/// The clock starts once the first <c>--warmup</c> messages are stored: a service runs for hours, and a just-started
/// process spends its first seconds compiling its hot paths again at full optimisation (tiered JIT).
/// Usage: benchmarks trades-ingestion [--trades 200000] [--warmup 40000] [--runs 3]
/// (the local broker keeps ~5 MiB per partition, so 32 partitions hold about 480k trade messages).
/// </summary>
public static class TradeIngestionBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var count = Bench.Option(args, "--trades", 200_000);
        var runs = Bench.Option(args, "--runs", 3);
        var warmup = Bench.Option(args, "--warmup", 40_000);
        var trades = Generate(warmup + count);
        Console.WriteLine($"trades-ingestion: {count:N0} trade legs measured after {warmup:N0} to warm up, {runs} run(s), {Environment.ProcessorCount} cores");

        await using var servers = await BenchServers.StartAsync(s3: true, kafka: true);
        var kafka = servers.Kafka!;
        kafka.CreateTopic("energy.trades.v1", 32);

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
            var starting = Stopwatch.StartNew();
            var workers = await servers.StartServiceAsync("Workers", database, new Dictionary<string, string> { ["Trades__LiveSchedule__Enabled"] = "false" });
            var startup = starting.Elapsed.TotalSeconds;
            var measured = await MeasureIngestionAsync(database, warmup, trades.Count, workers.Pid);
            await workers.DisposeAsync();
            var copy = await MeasureBaselineCopyAsync(database, trades.Skip(trades.Count - measured.Trades).ToList());
            var rate = measured.Trades / measured.Seconds;
            ingest.Add(rate);
            baseline.Add(measured.Trades / copy);
            rss.Add(measured.PeakRssMb);
            Console.WriteLine($"run {run}: ingestion {rate:N0} trades/s ({measured.Trades:N0} in {measured.Seconds:F2} s), raw COPY {measured.Trades / copy:N0} rows/s ({copy:F2} s), " +
                $"ratio {copy / measured.Seconds:F2}, Workers started in {startup:F1} s, peak RSS {measured.PeakRssMb:F0} MB, CPU {measured.CpuSeconds * 1e6 / measured.Trades:F1} µs per trade");
        }
        await PrintStagesAsync(kafka.BootstrapServers, await servers.CreateDatabaseAsync("stages"), trades);
        Console.WriteLine($"median: ingestion {Bench.Median(ingest):N0} trades/s, raw COPY {Bench.Median(baseline):N0} rows/s, ratio {Bench.Median(ingest) / Bench.Median(baseline):F2}, Workers peak RSS {Bench.Median(rss):F0} MB");
        return 0;
    }

    /// <summary>
    /// The legs stored from the first poll that finds the warm-up stored to the last leg, in how many seconds and with
    /// how much of the process's CPU, and its peak RSS. Progress
    /// is read from the consumer's stored offsets, which commit with the rows (every message here is a new leg): a
    /// count(*) over the growing table every 20 ms cost PostgreSQL a good part of a core, taken from the ingestion it
    /// measured. The rows are counted once at the end.
    /// </summary>
    static async Task<(int Trades, double Seconds, double CpuSeconds, double PeakRssMb)> MeasureIngestionAsync(string database, int warmup, int expected, int pid)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        Stopwatch? clock = null;
        var (storedAtStart, cpuAtStart) = (0L, 0.0);
        while (true)
        {
            long stored = 0;
            try
            {
                await using var offsets = new NpgsqlCommand("SELECT coalesce(sum(next_offset), 0)::bigint FROM pipeline.consumer_offsets WHERE topic = 'energy.trades.v1'", connection);
                stored = (long)(await offsets.ExecuteScalarAsync())!;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable) { }
            if (clock is null && stored >= Math.Max(1, warmup)) (clock, storedAtStart, cpuAtStart) = (Stopwatch.StartNew(), stored, CpuSeconds(pid));
            if (stored >= expected) break;
            await Task.Delay(20);
        }
        var seconds = clock!.Elapsed.TotalSeconds;
        var cpu = CpuSeconds(pid) - cpuAtStart;
        var status = await File.ReadAllLinesAsync($"/proc/{pid}/status");
        var hwm = status.First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        await using var count = new NpgsqlCommand("SELECT count(*) FROM pipeline.trades", connection);
        var rows = (long)(await count.ExecuteScalarAsync())!;
        if (rows != expected) throw new InvalidOperationException($"{rows:N0} legs stored, expected {expected:N0}");
        if (storedAtStart == expected) throw new InvalidOperationException("the warm-up was the whole run: fewer --warmup or more --trades");
        return ((int)(expected - storedAtStart), seconds, cpu, double.Parse(hwm) / 1024);
    }

    /// <summary>
    /// Where a trade's time goes, each stage alone on one thread of this process: reading the topic (the Workers
    /// consumer's settings), validating the messages, and the store's COPY of the valid trades.
    /// </summary>
    static async Task PrintStagesAsync(string bootstrap, string database, IReadOnlyList<Trade> trades)
    {
        Stopwatch? clock = null;
        var consumeCpu = 0.0;
        var messages = new List<byte[]>(trades.Count);
        using (var consumer = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "stages",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            FetchWaitMaxMs = 20,
            ConsumeResultFields = "topic,timestamp",
        }).Build())
        {
            consumer.Subscribe("energy.trades.v1");
            while (messages.Count < trades.Count)
                if (consumer.Consume(TimeSpan.FromSeconds(5))?.Message is { } m)
                {
                    if (clock is null) (clock, consumeCpu) = (Stopwatch.StartNew(), ProcessCpu()); // after the group join
                    messages.Add(m.Value!);
                }
            consumer.Close();
        }
        var consume = clock!.Elapsed.TotalSeconds;
        consumeCpu = ProcessCpu() - consumeCpu;
        clock.Restart();
        var valid = new List<ReceivedTrade>(trades.Count);
        foreach (var message in messages)
            if (TradeValidator.Default.ValidateJson(message).Trade is { } trade) valid.Add(new ReceivedTrade(trade, message, "stages"));
        var validate = clock.Elapsed.TotalSeconds;

        await using var dataSource = NpgsqlDataSource.Create(database);
        await PipelineSchema.ApplyAsync(dataSource, CancellationToken.None);
        var cpu = ProcessCpu();
        clock.Restart();
        foreach (var batch in valid.Chunk(20_000))
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            await using var tx = await connection.BeginTransactionAsync();
            await TradeStore.StoreAsync(connection, tx, "stages", batch, [], CancellationToken.None);
            await tx.CommitAsync();
        }
        var store = clock.Elapsed.TotalSeconds;
        var storeCpu = ProcessCpu() - cpu;
        Console.WriteLine($"stages, µs per trade: consume {consume * 1e6 / trades.Count:F1} wall ({consumeCpu * 1e6 / trades.Count:F1} CPU with librdkafka's threads), validate {validate * 1e6 / trades.Count:F1} (one thread each), " +
            $"store {store * 1e6 / trades.Count:F1} wall of which {storeCpu * 1e6 / trades.Count:F1} CPU in this process");
    }

    static double ProcessCpu() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    /// <summary>User + system CPU time of a process so far (/proc/pid/stat, clock ticks of 1/100 s).</summary>
    static double CpuSeconds(int pid)
    {
        var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (long.Parse(fields[11]) + long.Parse(fields[12])) / 100.0;
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
