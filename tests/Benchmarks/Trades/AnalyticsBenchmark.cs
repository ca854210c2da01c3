using System.Diagnostics;
using Benchmarks.Support;
using System.Globalization;
using DuckDB.NET.Data;
using Trades;
using Trades.Analytics;
using Trades.Csv;
using Trades.Generation;

namespace Trades.Benchmarks;

/// <summary>
/// trades-analytics [--rows N] [--runs R] [--rss]: aggregate + top 5 + anomalies over N generated trade rows
/// (default 10M) with TradeAnalytics and with DuckDB (DuckDB.NET) running the equivalent SQL on the same rows in the
/// same run; with --rss, the peak RSS of `pipeline trades analyze` on a CSV of them. The lake export has its own suite,
/// trades-lake-export.
/// </summary>
public static class AnalyticsBenchmark
{
    private const string DuckDbAnalysisSql = """
        WITH trades AS (
            SELECT * FROM raw QUALIFY row_number() OVER (PARTITION BY tradeId ORDER BY side DESC) = 1),
        stats AS (
            SELECT product, deliveryStart, deliveryEnd, deliveryArea, count(*) AS tradeCount, avg(price) AS avgPrice,
                   sum(price * volume) / sum(volume) AS vwap, avg(volume) AS avgVolume, sum(volume) AS totalVolume,
                   min(price) AS minPrice, max(price) AS maxPrice, stddev_samp(price) AS stddevPrice,
                   median(price) AS med
            FROM trades GROUP BY ALL),
        mad AS (
            SELECT t.product, t.deliveryStart, t.deliveryEnd, t.deliveryArea, median(abs(t.price - s.med)) AS mad
            FROM trades t JOIN stats s USING (product, deliveryStart, deliveryEnd, deliveryArea) GROUP BY ALL),
        anomalies AS (
            SELECT t.tradeId, 0.6745 * (t.price - s.med) / m.mad AS score
            FROM trades t JOIN stats s USING (product, deliveryStart, deliveryEnd, deliveryArea)
                          JOIN mad m USING (product, deliveryStart, deliveryEnd, deliveryArea)
            WHERE s.tradeCount >= 5 AND m.mad > 0 AND abs(0.6745 * (t.price - s.med) / m.mad) > 5),
        top AS (
            SELECT * FROM stats ORDER BY totalVolume DESC, tradeCount DESC, deliveryStart, deliveryEnd LIMIT 5)
        SELECT (SELECT count(*) FROM stats), (SELECT count(*) FROM anomalies), (SELECT count(*) FROM top)
        """;

    public static Task<int> RunAsync(string[] args)
    {
        var rows = Bench.Option(args, "--rows", 10_000_000L);
        var runs = Bench.Option(args, "--runs", 3);
        using var connection = DuckDbBaseline.Open();
        Console.WriteLine($"trades-analytics: {rows:N0} rows, {runs} runs, {Environment.ProcessorCount} cores, DuckDB {connection.ServerVersion}");
        DuckDbBaseline.Execute(connection, "CREATE TABLE raw (tradeId BIGINT, side VARCHAR, product VARCHAR, deliveryStart TIMESTAMP, deliveryEnd TIMESTAMP, deliveryArea VARCHAR, executionTime TIMESTAMP, price DOUBLE, volume DOUBLE)");
        var columns = new Columns(rows);
        var clock = Stopwatch.StartNew();
        var options = new TradeGenerationOptions { FirstDay = new DateOnly(2023, 1, 1), Days = 10_000, Areas = TradeGenerator.Areas, Seed = 1, Anomalies = 0 };
        // generated once and kept (about 2 GB for 10M rows): the CSV writer takes Trade objects
        var generated = TradeGenerator.GenerateDays(options).SelectMany(d => d.Trades).Take((int)rows).ToList();
        using (var appender = connection.CreateAppender("raw"))
        {
            foreach (var trade in generated)
            {
                columns.Add(trade);
                appender.CreateRow().AppendValue(trade.TradeId).AppendValue(TradeFormat.Side(trade.Side)).AppendValue(trade.Product)
                    .AppendValue(trade.DeliveryStart).AppendValue(trade.DeliveryEnd).AppendValue(trade.DeliveryArea).AppendValue(trade.ExecutionTime)
                    .AppendValue((double)trade.Price).AppendValue((double)trade.Volume).EndRow();
            }
        }
        Console.WriteLine($"generated and loaded {columns.Count:N0} rows in {clock.Elapsed.TotalSeconds:F1} s");

        AnalysisResult? result = null;
        var ours = Measure(runs, () =>
        {
            // columnar rows in memory -> TradeTable (legs merged per TradeId) -> statistics, top 5, anomalies
            var table = new TradeTable(columns.Count);
            columns.AddTo(table);
            result = TradeAnalytics.Analyze(table);
        });
        object?[] duck = [];
        var duckdb = Measure(runs, () => duck = DuckDbBaseline.FirstRow(connection, DuckDbAnalysisSql));
        Console.WriteLine($"TradeAnalytics: median {ours:F2} s ({result!.ProductStats.Count:N0} products, {result.Anomalies.Count:N0} anomalies, {result.DistinctTrades:N0} trades)");
        Console.WriteLine($"DuckDB SQL:     median {duckdb:F2} s ({duck[0]} products, {duck[1]} anomalies)");
        Console.WriteLine($"ratio TradeAnalytics / DuckDB: {ours / duckdb:F2}");

        if (!args.Contains("--rss")) return Task.FromResult(0);
        var directory = Directory.CreateTempSubdirectory("trades-bench-").FullName;
        try
        {
            var csv = Path.Combine(directory, "trades.csv");
            var pipeline = Path.Combine(AppContext.BaseDirectory, "../../../../../Cli/bin/Release/net10.0/pipeline");
            clock.Restart();
            TradeCsv.Write(csv, generated, "benchmark");
            generated.Clear();
            generated.TrimExcess();
            GC.Collect(); // the child's RSS is measured, but keep the machine's memory free for it
            Console.WriteLine($"wrote {new FileInfo(csv).Length / 1e9:F2} GB CSV in {clock.Elapsed.TotalSeconds:F1} s");
            clock.Restart();
            using var process = Process.Start(new ProcessStartInfo(Path.GetFullPath(pipeline), ["trades", "analyze", "--input", csv, "--out", Path.Combine(directory, "out")]))!;
            var peak = 0L;
            while (!process.WaitForExit(20)) peak = Math.Max(peak, HighWaterMarkMb(process.Id));
            Console.WriteLine($"pipeline trades analyze: exit {process.ExitCode}, {clock.Elapsed.TotalSeconds:F1} s, peak RSS {peak:N0} MB (VmHWM)");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
        return Task.FromResult(0);
    }

    private static double Measure(int runs, Action action)
    {
        var times = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            GC.Collect();
            var clock = Stopwatch.StartNew();
            action();
            times.Add(clock.Elapsed.TotalSeconds);
        }
        return Bench.Median(times);
    }

    /// <summary>
    /// The child's own peak RSS (VmHWM), polled until it exits. Not getrusage(RUSAGE_CHILDREN): .NET starts children
    /// with vfork, so the child's ru_maxrss starts at this (multi-GB) process's peak and measured us, not pipeline.
    /// </summary>
    private static long HighWaterMarkMb(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) / 1024;
        }
        catch (IOException)
        {
            // exited between the check and the read
        }
        return 0;
    }

    /// <summary>The rows as plain arrays, the shape both engines start from.</summary>
    private sealed class Columns(long capacity)
    {
        private readonly long[] _tradeId = new long[capacity];
        private readonly TradeSide[] _side = new TradeSide[capacity];
        private readonly FinancialProduct?[] _product = new FinancialProduct?[capacity];
        private readonly long[] _executed = new long[capacity];
        private readonly decimal[] _price = new decimal[capacity];
        private readonly decimal[] _volume = new decimal[capacity];
        private FinancialProduct? _last;

        public int Count { get; private set; }

        public void Add(Trade trade)
        {
            var product = trade.FinancialProduct;
            if (product != _last) _last = product; // one key object per run of equal products
            _tradeId[Count] = trade.TradeId;
            _side[Count] = trade.Side;
            _product[Count] = _last;
            _executed[Count] = trade.ExecutionTime.Ticks;
            _price[Count] = trade.Price;
            _volume[Count] = trade.Volume;
            Count++;
        }

        public void AddTo(TradeTable table)
        {
            for (var i = 0; i < Count; i++)
            {
                var p = _product[i]!;
                table.Add(_tradeId[i], _side[i], table.ProductIndex(p.Product, p.DeliveryStart, p.DeliveryEnd, p.DeliveryArea), _executed[i], _price[i], _volume[i]);
            }
        }
    }
}
