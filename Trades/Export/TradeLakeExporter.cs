using System.Collections.Concurrent;
using System.Globalization;
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

    private const string RowsFunction = "trade_partition_rows";

    // One COPY per file, fed by a table function over the sorted legs: DuckDB neither stores nor sorts them. Sorting all
    // rows in one COPY ... PARTITION_BY took 20 s for 10M rows and did not keep the order inside the files.
    private const string CopyPartitionSql = "COPY (SELECT * FROM {0}({1})) TO {2} (" + ParquetTable.CopyOptions + ")";

    public ExportManifest Export(string directory, IEnumerable<Trade> trades, AnalysisResult analysis, CancellationToken cancellationToken = default)
    {
        var target = Path.GetFullPath(directory);
        var staging = target.TrimEnd('/') + ".staging-" + Guid.NewGuid().ToString("N");
        Directory.CreateDirectory(staging);
        try
        {
            var partitions = TradePartition.Group(trades, cancellationToken);
            using var database = DuckDbDatabase.Open();
            using var connection = database.Connect();
            // the files are written one per core below; DuckDB's own worker threads would only compete with that
            connection.Execute("SET threads = 1");
            connection.RegisterTableFunction(RowsFunction, index => new TradeRows(partitions[checked((int)index)]));
            var files = new ConcurrentBag<ExportedFile>();
            // the files are independent: one connection per core sorts, writes and checksums them (the COPY of one
            // partition runs on the calling thread with threads = 1)
            Parallel.ForEach(
                Partitioner.Create(Enumerable.Range(0, partitions.Count), EnumerablePartitionerOptions.NoBuffering),
                new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken },
                database.Connect,
                (index, _, writer) =>
                {
                    var partition = partitions[index];
                    partition.Prepare();
                    var path = Path.Combine(staging, partition.RelativePath);
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    writer.Execute(string.Format(CultureInfo.InvariantCulture, CopyPartitionSql, RowsFunction, index, DuckDbConnection.Literal(path)));
                    files.Add(Describe(writer, staging, partition.RelativePath));
                    return writer;
                },
                writer => writer.Dispose());
            foreach (var path in AnalysisFiles.WriteParquet(staging, analysis, connection))
                files.Add(Describe(connection, staging, Path.GetRelativePath(staging, path)));
            cancellationToken.ThrowIfCancellationRequested();

            var manifest = new ExportManifest(time.GetUtcNow().UtcDateTime, DuckDbDatabase.LibraryVersion, [.. files.OrderBy(f => f.Path, StringComparer.Ordinal)]);
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

    // rows as the written file reports them, not as we meant to write them
    private static ExportedFile Describe(DuckDbConnection connection, string root, string relative)
    {
        var path = Path.Combine(root, relative);
        var rows = Convert.ToInt64(connection.QueryScalar($"SELECT count(*) FROM read_parquet({DuckDbConnection.Literal(path)})"), CultureInfo.InvariantCulture);
        using var stream = File.OpenRead(path);
        var hash = Convert.ToHexStringLower(SHA256.HashData(stream));
        return new ExportedFile(relative.Replace('\\', '/'), rows, stream.Length, hash);
    }
}
