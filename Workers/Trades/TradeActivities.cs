using System.Diagnostics;
using System.Text.Json;
using Amazon.S3.Model;
using Temporalio.Activities;
using Temporalio.Exceptions;
using Npgsql;
using NpgsqlTypes;
using ServiceDefaults.Lake;
using Trades;
using Trades.Analytics;
using Trades.Export;
using Trades.Storage;
using Workflows;
using Workflows.Trades;

namespace Workers.Trades;

/// <summary>
/// The trade pipeline's steps. Temporal runs each at least once (a worker can die after an effect committed and
/// before the completion reached the server), so each is idempotent for its window: the live seal is recorded under
/// the window ID with the watermark it advances, results are replaced per partition in one transaction, and the export
/// overwrites the partition's objects and upserts its export row. docs/temporal.md, "Pipeline on Temporal", says why
/// each is exactly-once in effect.
/// </summary>
public sealed class TradeActivities(NpgsqlDataSource dataSource, Lake lake, AnalysisOptions analysis, TimeProvider time) : ITradeActivities
{
    static readonly ActivitySource Source = new("Pipeline.Trades");

    /// <summary>Trades committed less than this long ago are left to the next window: an ingestion batch may still be committing.</summary>
    public static readonly TimeSpan SealLag = TimeSpan.FromSeconds(5);

    // The watermark row is locked first: attempts of one window, and windows of overlapping runs, seal one at a time.
    const string LockWatermark = """
        INSERT INTO pipeline.trade_watermark (id, sealed_to) VALUES (1, '-infinity') ON CONFLICT (id) DO NOTHING;
        SELECT sealed_to FROM pipeline.trade_watermark WHERE id = 1 FOR UPDATE;
        """;

    const string SealedBefore = "SELECT ingested_after, ingested_up_to, partitions FROM pipeline.trade_windows WHERE window_id = $1";

    const string LivePartitions = """
        SELECT DISTINCT (delivery_start AT TIME ZONE 'Europe/Paris')::date, delivery_area
        FROM pipeline.trades WHERE ingested_at > $1 AND ingested_at <= $2
        ORDER BY 1, 2
        """;

    const string BackfillPartitions = """
        SELECT DISTINCT (delivery_start AT TIME ZONE 'Europe/Paris')::date AS day, delivery_area
        FROM pipeline.trades WHERE delivery_start >= $1 AND delivery_start < $2
        ORDER BY 1, 2
        """;

    const string RecordWindow = """
        WITH recorded AS (INSERT INTO pipeline.trade_windows (window_id, ingested_after, ingested_up_to, partitions) VALUES ($1, $2, $3, $4))
        UPDATE pipeline.trade_watermark SET sealed_to = $3 WHERE id = 1
        """;

    const string RecordExport = """
        INSERT INTO pipeline.lake_exports (delivery_date, delivery_area, prefix, manifest, run_id) VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (delivery_date, delivery_area) DO UPDATE
        SET prefix = excluded.prefix, manifest = excluded.manifest, run_id = excluded.run_id, exported_at = now()
        """;

    /// <summary>
    /// Backfill: the delivery days in the range (a read). Live: the partitions ingested since the watermark, recorded
    /// as window <paramref name="windowId"/> together with the advanced watermark; a second attempt returns the record.
    /// </summary>
    [Activity]
    public async Task<SealedWindow> SealWindowAsync(TradePipelineRequest request, string windowId)
    {
        var ct = ActivityExecutionContext.Current.CancellationToken;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        if (request.Mode == TradeWindowMode.Backfill)
        {
            if (request.FirstDay is not { } first || request.LastDay is not { } last || last < first)
                throw new ApplicationFailureException($"a backfill needs FirstDay <= LastDay (got {request.FirstDay}..{request.LastDay})",
                    errorType: WorkflowErrors.InvalidRequest, nonRetryable: true);
            var partitions = await ReadPartitionsAsync(tx, BackfillPartitions, MarketTime.StartOfDayUtc(first), MarketTime.StartOfDayUtc(last.AddDays(1)), ct);
            return new SealedWindow(windowId, null, null, partitions);
        }

        DateTime after;
        await using (var lockRow = new NpgsqlCommand(LockWatermark, connection, tx))
            after = (DateTime)(await lockRow.ExecuteScalarAsync(ct))!;
        if (await ReadSealedAsync(tx, windowId, ct) is { } sealedBefore) return sealedBefore;

        // PostgreSQL keeps microseconds: the window returned now must equal the one a retry reads back.
        var upTo = time.GetUtcNow().UtcDateTime - SealLag;
        upTo = upTo.AddTicks(-(upTo.Ticks % (TimeSpan.TicksPerMillisecond / 1000)));
        if (upTo <= after) return new SealedWindow(windowId, after, after, []); // nothing new: nothing recorded, nothing to repeat
        var window = new SealedWindow(windowId, after == DateTime.MinValue ? null : after, upTo, await ReadPartitionsAsync(tx, LivePartitions, after, upTo, ct));
        await using (var record = new NpgsqlCommand(RecordWindow, connection, tx))
        {
            record.Parameters.Add(new() { Value = windowId });
            record.Parameters.Add(new() { Value = (object?)window.IngestedAfter ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            record.Parameters.Add(new() { Value = upTo, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            record.Parameters.Add(new() { Value = JsonSerializer.Serialize(window.Partitions, WindowJson), NpgsqlDbType = NpgsqlDbType.Jsonb });
            await record.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        return window;
    }

    /// <summary>Replaces each partition's statistics, day-and-area top products and findings, then the overall top, in one transaction.</summary>
    [Activity]
    public async Task<AggregateOutcome> AggregateAsync(SealedWindow window)
    {
        var ct = ActivityExecutionContext.Current.CancellationToken;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        int products = 0, trades = 0, findings = 0;
        foreach (var partition in window.Partitions)
        {
            using var span = Source.StartActivity("trades aggregate partition");
            span?.SetTag("delivery.date", partition.DeliveryDate.ToString("O"));
            span?.SetTag("delivery.area", partition.Area);
            var rows = await TradeResultStore.ReadPartitionAsync(connection, tx, partition.DeliveryDate, partition.Area, ct);
            var result = TradeAnalytics.Analyze(rows, analysis);
            await TradeResultStore.ReplaceStatisticsAsync(connection, tx, partition.DeliveryDate, partition.Area, result, window.WindowId, ct);
            products += result.ProductStats.Count;
            trades += (int)result.DistinctTrades;
            findings += result.Findings.Count;
        }
        var top = await TradeResultStore.ReplaceOverallTopAsync(connection, tx, analysis.TopCount, ct);
        await tx.CommitAsync(ct);
        return new AggregateOutcome(products, trades, top, findings);
    }

    /// <summary>Replaces each partition's anomalies, in one transaction.</summary>
    [Activity]
    public async Task<DetectOutcome> DetectAsync(SealedWindow window)
    {
        var ct = ActivityExecutionContext.Current.CancellationToken;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var anomalies = 0;
        foreach (var partition in window.Partitions)
        {
            var rows = await TradeResultStore.ReadPartitionAsync(connection, tx, partition.DeliveryDate, partition.Area, ct);
            var result = TradeAnalytics.Analyze(rows, analysis);
            await TradeResultStore.ReplaceAnomaliesAsync(connection, tx, partition.DeliveryDate, partition.Area, result.Anomalies, ct);
            anomalies += result.Anomalies.Count;
        }
        await tx.CommitAsync(ct);
        return new DetectOutcome(anomalies, AnalysisOptions.Name(analysis.Method));
    }

    /// <summary>
    /// Per partition: Parquet files into a local staging directory, then uploaded under Hive-style prefixes
    /// (trades/, product_stats/, top_products/, anomalies/, manifests/ with deliveryDate=…/deliveryArea=…); objects of
    /// an earlier export of the partition that the new one does not contain are deleted.
    /// </summary>
    [Activity]
    public async Task<ExportOutcome> ExportAsync(SealedWindow window)
    {
        var context = ActivityExecutionContext.Current;
        var ct = context.CancellationToken;
        var manifests = new List<string>();
        int files = 0;
        long rows = 0;
        foreach (var (partition, index) in window.Partitions.Select((p, i) => (p, i)))
        {
            using var span = Source.StartActivity("trades export partition");
            span?.SetTag("delivery.date", partition.DeliveryDate.ToString("O"));
            span?.SetTag("delivery.area", partition.Area);
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            var trades = await TradeResultStore.ReadPartitionAsync(connection, null, partition.DeliveryDate, partition.Area, ct);
            var result = TradeAnalytics.Analyze(trades, analysis);
            var staging = Path.Combine(Path.GetTempPath(), "pipeline-export", $"{partition.DeliveryDate:yyyy-MM-dd}-{partition.Area}-{Guid.NewGuid():N}");
            try
            {
                var manifest = await new TradeLakeExporter(time).ExportAsync(staging, trades, result, ct);
                var manifestKey = await UploadAsync(staging, manifest, partition, ct);
                await RecordExportAsync(connection, partition, manifestKey, manifest, window.WindowId, ct);
                manifests.Add(manifestKey);
                files += manifest.Files.Count;
                rows += manifest.Files.Sum(f => f.Rows);
            }
            finally
            {
                if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            }
            context.Heartbeat(index + 1); // partitions exported so far: progress in the Temporal UI, liveness for the heartbeat timeout
        }
        return new ExportOutcome(files, rows, manifests);
    }

    async Task<string> UploadAsync(string staging, ExportManifest manifest, DeliveryPartition partition, CancellationToken ct)
    {
        var keys = manifest.Files.Select(f => (Local: Path.Combine(staging, f.Path), Key: LakeKey(f.Path, partition))).ToList();
        foreach (var (local, key) in keys)
            await lake.Client.PutObjectAsync(new PutObjectRequest { BucketName = lake.Bucket, Key = key, FilePath = local }, ct);

        // Remove what an earlier export of this partition wrote and this one did not (a product that disappeared).
        var current = keys.Select(k => k.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var prefix in new[] { "trades", "product_stats", "top_products", "anomalies" }.Select(t => PartitionPrefix(t, partition)))
        {
            var listing = await lake.Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = lake.Bucket, Prefix = prefix }, ct);
            foreach (var stale in (listing.S3Objects ?? []).Where(o => !current.Contains(o.Key)))
                await lake.Client.DeleteObjectAsync(lake.Bucket, stale.Key, ct);
        }

        var manifestKey = PartitionPrefix("manifests", partition) + TradeLakeExporter.ManifestFile;
        await lake.Client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = lake.Bucket,
            Key = manifestKey,
            ContentBody = JsonSerializer.Serialize(manifest with { Files = [.. manifest.Files.Select(f => f with { Path = LakeKey(f.Path, partition) })] }, AnalysisFiles.JsonOptions),
            ContentType = "application/json",
        }, ct);
        return manifestKey;
    }

    /// <summary>trades/deliveryDate=…/deliveryArea=…/data_0.parquet stays; product_stats.parquet becomes product_stats/deliveryDate=…/deliveryArea=…/data_0.parquet.</summary>
    static string LakeKey(string relative, DeliveryPartition partition) =>
        relative.StartsWith("trades/", StringComparison.Ordinal)
            ? relative
            : PartitionPrefix(Path.GetFileNameWithoutExtension(relative), partition) + "data_0.parquet";

    static string PartitionPrefix(string table, DeliveryPartition partition) =>
        $"{table}/deliveryDate={partition.DeliveryDate:yyyy-MM-dd}/deliveryArea={partition.Area}/";

    static async Task RecordExportAsync(NpgsqlConnection connection, DeliveryPartition partition, string manifestKey, ExportManifest manifest, string runId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(RecordExport, connection);
        command.Parameters.Add(new() { Value = partition.DeliveryDate });
        command.Parameters.Add(new() { Value = partition.Area });
        command.Parameters.Add(new() { Value = manifestKey });
        command.Parameters.Add(new() { Value = JsonSerializer.Serialize(manifest, AnalysisFiles.JsonOptions), NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.Add(new() { Value = runId });
        await command.ExecuteNonQueryAsync(ct);
    }

    static readonly JsonSerializerOptions WindowJson = new(JsonSerializerDefaults.Web);

    static async Task<SealedWindow?> ReadSealedAsync(NpgsqlTransaction tx, string windowId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(SealedBefore, tx.Connection, tx);
        command.Parameters.Add(new() { Value = windowId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new SealedWindow(windowId, reader.IsDBNull(0) ? null : reader.GetDateTime(0), reader.GetDateTime(1),
            JsonSerializer.Deserialize<List<DeliveryPartition>>(reader.GetString(2), WindowJson)!);
    }

    static async Task<List<DeliveryPartition>> ReadPartitionsAsync(NpgsqlTransaction tx, string sql, DateTime from, DateTime to, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, tx.Connection, tx);
        command.Parameters.Add(new() { Value = from, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = to, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var partitions = new List<DeliveryPartition>();
        while (await reader.ReadAsync(ct)) partitions.Add(new DeliveryPartition(DateOnly.FromDateTime(reader.GetDateTime(0)), reader.GetString(1)));
        return partitions;
    }
}
