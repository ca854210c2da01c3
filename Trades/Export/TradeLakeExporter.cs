using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DuckDb;
using Trades.Analytics;

namespace Trades.Export;

/// <summary>One file of an export, as listed in its manifest.</summary>
public sealed record ExportedFile(string Path, long Rows, long Bytes, string Sha256);

/// <summary>manifest.json: what an export contains, for the uploader and for checking a copy.</summary>
public sealed record ExportManifest(DateTime CreatedAt, string DuckDbVersion, IReadOnlyList<ExportedFile> Files);

/// <summary>
/// Writes a lake export into a local directory: trades as Parquet partitioned Hive-style by delivery day (market time)
/// and area (trades/deliveryDate=2023-01-01/deliveryArea=FR/data_0.parquet, every leg as received, ordered by
/// execution time, TradeId and side), product_stats/top_products/anomalies.parquet, and manifest.json with row counts
/// and SHA-256 checksums. The export is built in a sibling staging directory and swapped in, so re-exporting replaces
/// the previous export and never mixes or duplicates files.
/// </summary>
public sealed class TradeLakeExporter(TimeProvider time)
{
    public const string ManifestFile = "manifest.json";

    private const string TradesTableSql = """
        CREATE TABLE {0} (
            tradeId BIGINT, remoteTradeId VARCHAR, side VARCHAR, product VARCHAR,
            deliveryStart TIMESTAMP, deliveryEnd TIMESTAMP, executionTime TIMESTAMP, deliveryArea VARCHAR,
            tradePhase VARCHAR, userDefinedBlock VARCHAR, selfTrade VARCHAR, price DOUBLE, currency VARCHAR,
            volume DOUBLE, volumeUnit VARCHAR, orderId BIGINT, deliveryDate DATE)
        """;

    // One sort per partition file: sorting all rows in one COPY ... PARTITION_BY took 20 s for 10M rows,
    // a few thousand rows at a time it is a small part of writing them.
    private const string CopyPartitionSql = """
        COPY (SELECT * FROM {0} ORDER BY executionTime, tradeId, side) TO {1} (FORMAT parquet, COMPRESSION zstd)
        """;

    public ExportManifest Export(string directory, IEnumerable<Trade> trades, AnalysisResult analysis, CancellationToken cancellationToken = default)
    {
        var target = Path.GetFullPath(directory);
        var staging = target.TrimEnd('/') + ".staging-" + Guid.NewGuid().ToString("N");
        Directory.CreateDirectory(staging);
        try
        {
            using var database = DuckDbDatabase.Open();
            using var connection = database.Connect();
            // the files are written one per core below; DuckDB's own worker threads would only compete with that
            connection.Execute("SET threads = 1");
            var partitions = AppendTrades(connection, trades, cancellationToken);
            try
            {
                // the files are independent: one connection per core writes them (each COPY of a few thousand rows
                // is single-threaded inside DuckDB)
                Parallel.ForEach(
                    Partitioner.Create(partitions.OrderBy(p => p.DeliveryDate).ThenBy(p => p.DeliveryArea, StringComparer.Ordinal).ToList(), EnumerablePartitionerOptions.NoBuffering),
                    new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken },
                    database.Connect,
                    (partition, _, writer) =>
                    {
                        var folder = Path.Combine(staging, "trades", $"deliveryDate={partition.DeliveryDate:yyyy-MM-dd}", "deliveryArea=" + Uri.EscapeDataString(partition.DeliveryArea));
                        Directory.CreateDirectory(folder);
                        writer.Execute(string.Format(System.Globalization.CultureInfo.InvariantCulture, CopyPartitionSql, partition.Table, DuckDbConnection.Literal(Path.Combine(folder, "data_0.parquet"))));
                        return writer;
                    },
                    writer => writer.Dispose());
            }
            finally
            {
                foreach (var partition in partitions) partition.Dispose();
            }
            AnalysisFiles.WriteParquet(staging, analysis, connection);
            cancellationToken.ThrowIfCancellationRequested();

            var files = Directory.EnumerateFiles(staging, "*.parquet", SearchOption.AllDirectories)
                .Select(path => Path.GetRelativePath(staging, path))
                .Order(StringComparer.Ordinal)
                .Select(relative => Describe(connection, staging, relative))
                .ToList();
            var manifest = new ExportManifest(time.GetUtcNow().UtcDateTime, DuckDbDatabase.LibraryVersion, files);
            File.WriteAllText(Path.Combine(staging, ManifestFile), JsonSerializer.Serialize(manifest, AnalysisFiles.JsonOptions), new UTF8Encoding(false));

            if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
            Directory.Move(staging, target);
            return manifest;
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    private static ExportedFile Describe(DuckDbConnection connection, string root, string relative)
    {
        var path = Path.Combine(root, relative);
        var rows = Convert.ToInt64(connection.QueryScalar($"SELECT count(*) FROM read_parquet({DuckDbConnection.Literal(path)})"), System.Globalization.CultureInfo.InvariantCulture);
        using var stream = File.OpenRead(path);
        var hash = Convert.ToHexStringLower(SHA256.HashData(stream));
        return new ExportedFile(relative.Replace('\\', '/'), rows, stream.Length, hash);
    }

    /// <summary>
    /// Streams the trades into one table per (delivery day, area), chunk by chunk, writing the vectors
    /// directly; no Trade is kept. Returns the partitions with their appenders closed.
    /// </summary>
    internal static List<TradePartition> AppendTrades(DuckDbConnection connection, IEnumerable<Trade> trades, CancellationToken cancellationToken)
    {
        var partitions = new Dictionary<(int Day, string Area), TradePartition>();
        var utf8 = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var deliveryDays = new Dictionary<DateTime, int>();
        TradePartition? last = null;
        try
        {
            foreach (var trade in trades)
            {
                if (!deliveryDays.TryGetValue(trade.DeliveryStart, out var day))
                    deliveryDays[trade.DeliveryStart] = day = ParquetTable.Days(MarketTime.DeliveryDate(trade.DeliveryStart));
                var partition = last is not null && last.Day == day && ReferenceEquals(last.DeliveryArea, trade.DeliveryArea) ? last : Partition(day, trade.DeliveryArea);
                last = partition;
                if (partition.Count == DuckDbDataChunk.Capacity)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    partition.Flush();
                }
                var chunk = partition.Chunk;
                var row = partition.Count++;
                chunk.GetValues<long>(0)[row] = trade.TradeId;
                chunk.SetString(1, row, trade.RemoteTradeId);
                chunk.SetString(2, row, Bytes(TradeFormat.Side(trade.Side)));
                chunk.SetString(3, row, Bytes(trade.Product));
                chunk.GetValues<long>(4)[row] = ParquetTable.Micros(trade.DeliveryStart);
                chunk.GetValues<long>(5)[row] = ParquetTable.Micros(trade.DeliveryEnd);
                chunk.GetValues<long>(6)[row] = ParquetTable.Micros(trade.ExecutionTime);
                chunk.SetString(7, row, Bytes(trade.DeliveryArea));
                chunk.SetString(8, row, Bytes(trade.TradePhase));
                chunk.SetString(9, row, Bytes(trade.UserDefinedBlock));
                chunk.SetString(10, row, Bytes(trade.SelfTrade));
                chunk.GetValues<double>(11)[row] = (double)trade.Price;
                chunk.SetString(12, row, Bytes(trade.Currency));
                chunk.GetValues<double>(13)[row] = (double)trade.Volume;
                chunk.SetString(14, row, Bytes(trade.VolumeUnit));
                chunk.GetValues<long>(15)[row] = trade.OrderId;
                chunk.GetValues<int>(16)[row] = day;
            }
            foreach (var partition in partitions.Values) partition.Close();
            return [.. partitions.Values];
        }
        catch
        {
            foreach (var partition in partitions.Values) partition.Dispose();
            throw;
        }

        TradePartition Partition(int day, string area)
        {
            if (!partitions.TryGetValue((day, area), out var partition))
            {
                var table = "export_trades_" + partitions.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
                connection.Execute(string.Format(System.Globalization.CultureInfo.InvariantCulture, TradesTableSql, table));
                partitions[(day, area)] = partition = new TradePartition(connection, table, day, area);
            }
            return partition;
        }

        // low-cardinality values are encoded once per distinct string instance (the CSV reader and generator share them)
        byte[] Bytes(string value)
        {
            if (!utf8.TryGetValue(value, out var bytes))
            {
                bytes = Encoding.UTF8.GetBytes(value);
                if (utf8.Count < 10_000) utf8[value] = bytes;
            }
            return bytes;
        }
    }

    /// <summary>The rows of one output file while they are appended: a table of the export's private database, its appender and a chunk.</summary>
    internal sealed class TradePartition(DuckDbConnection connection, string table, int day, string deliveryArea) : IDisposable
    {
        private DuckDbAppender? _appender = connection.CreateAppender(table);
        private DuckDbDataChunk? _chunk;

        public string Table => table;

        public int Day => day;

        public DateOnly DeliveryDate => DateOnly.FromDayNumber(DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber + day);

        public string DeliveryArea => deliveryArea;

        /// <summary>Rows in the current chunk.</summary>
        public int Count { get; set; }

        public DuckDbDataChunk Chunk => _chunk ??= _appender!.CreateChunk();

        public void Flush()
        {
            if (Count == 0) return;
            Chunk.RowCount = Count;
            _appender!.AppendChunk(Chunk);
            Chunk.Reset();
            Count = 0;
        }

        public void Close()
        {
            Flush();
            _appender?.Close();
            Dispose();
        }

        public void Dispose()
        {
            _chunk?.Dispose();
            _chunk = null;
            _appender?.Dispose();
            _appender = null;
        }
    }
}
