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
        CREATE TEMP TABLE export_trades (
            tradeId BIGINT, remoteTradeId VARCHAR, side VARCHAR, product VARCHAR,
            deliveryStart TIMESTAMP, deliveryEnd TIMESTAMP, executionTime TIMESTAMP, deliveryArea VARCHAR,
            tradePhase VARCHAR, userDefinedBlock VARCHAR, selfTrade VARCHAR, price DOUBLE, currency VARCHAR,
            volume DOUBLE, volumeUnit VARCHAR, orderId BIGINT, deliveryDate DATE)
        """;

    private const string CopyTradesSql = """
        COPY (SELECT * FROM export_trades ORDER BY deliveryDate, deliveryArea, executionTime, tradeId, side)
        TO {0} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (deliveryDate, deliveryArea), WRITE_PARTITION_COLUMNS true)
        """;

    public ExportManifest Export(string directory, IEnumerable<Trade> trades, AnalysisResult analysis, CancellationToken cancellationToken = default)
    {
        var target = Path.GetFullPath(directory);
        var staging = target.TrimEnd('/') + ".staging-" + Guid.NewGuid().ToString("N");
        Directory.CreateDirectory(staging);
        try
        {
            using var connection = DuckDbConnection.OpenInMemory();
            connection.Execute(TradesTableSql);
            AppendTrades(connection, trades, cancellationToken);
            connection.Execute(string.Format(System.Globalization.CultureInfo.InvariantCulture, CopyTradesSql, DuckDbConnection.Literal(Path.Combine(staging, "trades"))));
            connection.Execute("DROP TABLE export_trades");
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

    /// <summary>Appends trades chunk by chunk, writing the vectors directly.</summary>
    internal static void AppendTrades(DuckDbConnection connection, IEnumerable<Trade> trades, CancellationToken cancellationToken)
    {
        using var appender = connection.CreateAppender("export_trades");
        using var chunk = appender.CreateChunk();
        var utf8 = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var deliveryDays = new Dictionary<DateTime, int>();
        var count = 0;
        foreach (var trade in trades)
        {
            if (count == DuckDbDataChunk.Capacity) Flush();
            var row = count++;
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
            if (!deliveryDays.TryGetValue(trade.DeliveryStart, out var day))
                deliveryDays[trade.DeliveryStart] = day = ParquetTable.Days(MarketTime.DeliveryDate(trade.DeliveryStart));
            chunk.GetValues<int>(16)[row] = day;
        }
        Flush();
        appender.Close();

        void Flush()
        {
            cancellationToken.ThrowIfCancellationRequested();
            chunk.RowCount = count;
            appender.AppendChunk(chunk);
            chunk.Reset();
            count = 0;
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
}
