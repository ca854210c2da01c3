using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Benchmarks.Support;
using DuckDB.NET.Data;
using Formats.Lake;
using Trades.Analytics;
using Trades.Export;
using Trades.Generation;

namespace Trades.Benchmarks;

/// <summary>
/// trades-lake-export [--rows N] [--runs R]: the lake export of N generated trade legs (default 10M) by the real
/// <see cref="TradeLakeExporter"/> (Parquet.Net), against the export it replaced, measured on the same rows in the same
/// run: DuckDB (DuckDB.NET) writing each partition with <c>COPY (SELECT * FROM table function) TO … (FORMAT parquet,
/// COMPRESSION zstd)</c>, the rows pulled from the same sorted <see cref="Trade"/> objects, one connection per core with
/// <c>threads = 1</c>, row counts read back and files checksummed. Runs alternate between the two.
/// </summary>
public static class LakeExportBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var rows = Bench.Option(args, "--rows", 10_000_000);
        var runs = Bench.Option(args, "--runs", 3);
        var clock = Stopwatch.StartNew();
        var options = new TradeGenerationOptions { FirstDay = new DateOnly(2023, 1, 1), Days = 10_000, Areas = TradeGenerator.Areas, Seed = 1, Anomalies = 0 };
        var trades = TradeGenerator.GenerateDays(options).SelectMany(d => d.Trades).Take(rows).ToList();
        var analysis = TradeAnalytics.Analyze(trades);
        Console.WriteLine($"trades-lake-export: {trades.Count:N0} legs generated and analysed in {clock.Elapsed.TotalSeconds:F1} s; {runs} runs, {Environment.ProcessorCount} cores, {TradeLakeExporter.Writer} against DuckDB {DuckDbExport.Version()}");

        var directory = Directory.CreateTempSubdirectory("lake-export-bench-").FullName;
        try
        {
            List<Measured> parquetNet = [], duckDb = [];
            for (var run = 1; run <= runs; run++)
            {
                var ours = await MeasureAsync(async () => (await new TradeLakeExporter(TimeProvider.System).ExportAsync(Path.Combine(directory, "parquet-net"), trades, analysis)).Files);
                var baseline = await MeasureAsync(() => Task.FromResult(DuckDbExport.Export(Path.Combine(directory, "duckdb"), trades)));
                parquetNet.Add(ours);
                duckDb.Add(baseline);
                Console.WriteLine($"run {run}: Parquet.Net {Describe(ours)}; DuckDB {Describe(baseline)}; load {LoadAverage()}");
            }
            var (wall, baselineWall) = (Bench.Median(parquetNet.Select(m => m.Seconds)), Bench.Median(duckDb.Select(m => m.Seconds)));
            var (cpu, baselineCpu) = (Bench.Median(parquetNet.Select(m => m.CpuSeconds)), Bench.Median(duckDb.Select(m => m.CpuSeconds)));
            Console.WriteLine($"median of {runs}: Parquet.Net {wall:F2} s wall / {cpu:F2} s CPU, DuckDB {baselineWall:F2} s wall / {baselineCpu:F2} s CPU; ratio Parquet.Net / DuckDB {wall / baselineWall:F2} wall, {cpu / baselineCpu:F2} CPU");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
        return 0;
    }

    private sealed record Measured(double Seconds, double CpuSeconds, int FullCollections, double GcPauseSeconds, IReadOnlyList<LakeFile> Files);

    private static async Task<Measured> MeasureAsync(Func<Task<IReadOnlyList<LakeFile>>> export)
    {
        GC.Collect();
        var (cpu, collections, pauses) = (Process.GetCurrentProcess().TotalProcessorTime, GC.CollectionCount(2), GC.GetTotalPauseDuration());
        var clock = Stopwatch.StartNew();
        var files = await export();
        return new Measured(clock.Elapsed.TotalSeconds, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds,
            GC.CollectionCount(2) - collections, (GC.GetTotalPauseDuration() - pauses).TotalSeconds, files);
    }

    private static string Describe(Measured measured)
    {
        var trades = measured.Files.Where(f => f.Path.StartsWith("trades/", StringComparison.Ordinal)).ToList();
        return string.Create(CultureInfo.InvariantCulture,
            $"{measured.Seconds:F2} s wall, {measured.CpuSeconds:F2} s CPU, {measured.FullCollections} gen2 GCs ({measured.GcPauseSeconds:F2} s paused), {trades.Count} trades files ({trades.Sum(f => f.Rows):N0} rows, {trades.Sum(f => f.Bytes) / 1e6:F1} MB), {measured.Files.Count} files in all");
    }

    private static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0];

    /// <summary>
    /// The replaced export's trades files through DuckDB: partitions grouped and sorted in .NET exactly as the exporter
    /// does, each streamed to DuckDB's Parquet writer by a table function (no DuckDB table, no DuckDB sort).
    /// </summary>
    private static class DuckDbExport
    {
        private const string RowsFunction = "trade_partition_rows";

        private static readonly ColumnInfo[] Columns =
        [
            new("tradeId", typeof(long)), new("remoteTradeId", typeof(string)), new("side", typeof(string)), new("product", typeof(string)),
            new("deliveryStart", typeof(DateTime)), new("deliveryEnd", typeof(DateTime)), new("executionTime", typeof(DateTime)),
            new("deliveryArea", typeof(string)), new("tradePhase", typeof(string)), new("userDefinedBlock", typeof(string)), new("selfTrade", typeof(string)),
            new("price", typeof(double)), new("currency", typeof(string)), new("volume", typeof(double)), new("volumeUnit", typeof(string)),
            new("orderId", typeof(long)), new("deliveryDate", typeof(DateOnly)),
        ];

        public static string Version()
        {
            using var connection = DuckDbBaseline.Open();
            return connection.ServerVersion;
        }

        public static IReadOnlyList<LakeFile> Export(string directory, List<Trade> trades)
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
            var partitions = TradePartition.Group(trades, CancellationToken.None);
            var files = new ConcurrentBag<LakeFile>();
            Parallel.ForEach(
                Partitioner.Create(Enumerable.Range(0, partitions.Count), EnumerablePartitionerOptions.NoBuffering),
                new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
                () => new PartitionWriter(partitions),
                (index, _, writer) =>
                {
                    var partition = partitions[index];
                    partition.Sort();
                    var path = Path.Combine(directory, partition.RelativePath);
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    writer.DeliveryDate = partition.DeliveryDate;
                    DuckDbBaseline.Execute(writer.Connection, $"COPY (SELECT * FROM {RowsFunction}({index})) TO '{path}' (FORMAT parquet, COMPRESSION zstd)");
                    var rows = Convert.ToInt64(DuckDbBaseline.FirstRow(writer.Connection, $"SELECT count(*) FROM read_parquet('{path}')")[0], CultureInfo.InvariantCulture);
                    files.Add(new LakeFile(partition.RelativePath, rows, new FileInfo(path).Length, TestSupport.IndependentParquetReader.Sha256(path)));
                    return writer;
                },
                writer => writer.Connection.Dispose());
            return [.. files.OrderBy(f => f.Path, StringComparer.Ordinal)];
        }

        /// <summary>One connection per core, each with its own copy of the table function over the shared partitions.</summary>
        private sealed class PartitionWriter
        {
            public PartitionWriter(List<TradePartition> partitions)
            {
                DuckDbBaseline.Execute(Connection, "SET threads = 1");
                Connection.RegisterTableFunction<int>(RowsFunction,
                    parameters => new TableFunction(Columns, partitions[parameters[0].GetValue<int>()].Trades),
                    (item, writers, row) =>
                    {
                        var trade = (Trade)item!;
                        writers[0].WriteValue(trade.TradeId, row);
                        writers[1].WriteValue(trade.RemoteTradeId, row);
                        writers[2].WriteValue(TradeFormat.Side(trade.Side), row);
                        writers[3].WriteValue(trade.Product, row);
                        writers[4].WriteValue(trade.DeliveryStart, row);
                        writers[5].WriteValue(trade.DeliveryEnd, row);
                        writers[6].WriteValue(trade.ExecutionTime, row);
                        writers[7].WriteValue(trade.DeliveryArea, row);
                        writers[8].WriteValue(trade.TradePhase, row);
                        writers[9].WriteValue(trade.UserDefinedBlock, row);
                        writers[10].WriteValue(trade.SelfTrade, row);
                        writers[11].WriteValue((double)trade.Price, row);
                        writers[12].WriteValue(trade.Currency, row);
                        writers[13].WriteValue((double)trade.Volume, row);
                        writers[14].WriteValue(trade.VolumeUnit, row);
                        writers[15].WriteValue(trade.OrderId, row);
                        writers[16].WriteValue(DeliveryDate, row);
                    });
            }

            public DuckDBConnection Connection { get; } = DuckDbBaseline.Open();

            /// <summary>The day of the partition being copied: one value per file.</summary>
            public DateOnly DeliveryDate { get; set; }
        }
    }
}
