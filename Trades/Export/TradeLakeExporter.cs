using System.Collections.Concurrent;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Formats.Lake;
using Parquet;
using Trades.Analytics;

namespace Trades.Export;

/// <summary>manifest.json: what an export contains and which Parquet writer wrote it, for the uploader and for checking a copy.</summary>
public sealed record ExportManifest(DateTime CreatedAt, string Writer, IReadOnlyList<LakeFile> Files);

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

    /// <summary>The tables an export writes, as the lake's catalog lists them.</summary>
    public static IReadOnlyList<LakeDataset> Datasets { get; } = [TradePartition.Dataset, .. AnalysisFiles.Datasets];

    /// <summary>"Parquet.Net 6.1.0": the library that wrote the files.</summary>
    public static string Writer { get; } = "Parquet.Net " + typeof(ParquetWriter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];

    public async Task<ExportManifest> ExportAsync(string directory, IEnumerable<Trade> trades, AnalysisResult analysis, CancellationToken cancellationToken = default)
    {
        var target = Path.GetFullPath(directory);
        var staging = target.TrimEnd('/') + ".staging-" + Guid.NewGuid().ToString("N");
        Directory.CreateDirectory(staging);
        try
        {
            var partitions = TradePartition.Group(trades, cancellationToken);
            var files = new ConcurrentBag<LakeFile>();
            // Parquet.Net writes a file on one thread: the partitions' files are written (sorted, encoded, compressed
            // and checksummed) one per core
            await Parallel.ForEachAsync(partitions, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken },
                async (partition, ct) =>
                {
                    var path = Path.Combine(staging, partition.RelativePath);
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    await partition.WriteAsync(path, ct);
                    files.Add(await LakeFile.DescribeAsync(staging, partition.RelativePath, ct));
                });
            foreach (var path in await AnalysisFiles.WriteParquetAsync(staging, analysis, cancellationToken))
                files.Add(await LakeFile.DescribeAsync(staging, Path.GetRelativePath(staging, path), cancellationToken));

            var manifest = new ExportManifest(time.GetUtcNow().UtcDateTime, Writer, [.. files.OrderBy(f => f.Path, StringComparer.Ordinal)]);
            await File.WriteAllTextAsync(Path.Combine(staging, ManifestFile), JsonSerializer.Serialize(manifest, AnalysisFiles.JsonOptions), new UTF8Encoding(false), cancellationToken);

            if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
            Directory.Move(staging, target);
            return manifest;
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }
}
