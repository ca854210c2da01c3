using Amazon.S3;
using Amazon.S3.Model;
using Npgsql;

namespace Workers.Tests;

/// <summary>
/// Everything the trade pipeline's activities write, without the columns that only say when (computed_at, exported_at,
/// a manifest's CreatedAt): two snapshots are equal exactly when a repeated step changed no result, row or file.
/// </summary>
sealed record PipelineSnapshot(IReadOnlyList<string> Rows, IReadOnlyList<string> LakeObjects)
{
    // One line per table: its row count and an MD5 over its rows in a fixed order.
    const string TablesSql = """
        SELECT 'product_stats ' || count(*) || ' ' || coalesce(md5(string_agg(concat_ws('|', product, delivery_start, delivery_end, delivery_area, delivery_date, trade_count,
               avg_price, vwap, avg_volume, total_volume, min_price, max_price, stddev_price, run_id), ',' ORDER BY product, delivery_start, delivery_end, delivery_area)), '') FROM pipeline.product_stats
        UNION ALL
        SELECT 'top_products ' || count(*) || ' ' || coalesce(md5(string_agg(concat_ws('|', scope, delivery_date, delivery_area, rank, product, delivery_start, delivery_end, product_area,
               total_volume, trade_count, vwap), ',' ORDER BY scope, delivery_date, delivery_area, rank)), '') FROM pipeline.top_products
        UNION ALL
        SELECT 'price_anomalies ' || count(*) || ' ' || coalesce(md5(string_agg(concat_ws('|', trade_id, method, product, price, score, threshold, reference), ',' ORDER BY trade_id, method)), '')
        FROM pipeline.price_anomalies
        UNION ALL
        SELECT 'trade_findings ' || count(*) || ' ' || coalesce(md5(string_agg(concat_ws('|', trade_id, kind, detail), ',' ORDER BY trade_id, kind)), '') FROM pipeline.trade_findings
        UNION ALL
        SELECT 'lake_exports ' || count(*) || ' ' || coalesce(md5(string_agg(concat_ws('|', delivery_date, delivery_area, prefix, run_id, manifest -> 'files'), ',' ORDER BY delivery_date, delivery_area)), '')
        FROM pipeline.lake_exports
        UNION ALL
        SELECT 'trade_windows ' || count(*) || ' ' || coalesce(md5(string_agg(concat_ws('|', window_id, ingested_after, ingested_up_to, partitions), ',' ORDER BY window_id)), '')
        FROM pipeline.trade_windows
        UNION ALL
        SELECT 'trade_watermark ' || coalesce(string_agg(sealed_to::text, ','), '') FROM pipeline.trade_watermark
        """;

    public static async Task<PipelineSnapshot> TakeAsync(NpgsqlDataSource dataSource, IAmazonS3 s3, string bucket)
    {
        var rows = new List<string>();
        await using (var command = dataSource.CreateCommand(TablesSql))
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) rows.Add(reader.GetString(0));

        // Data files by content (ETag); manifests by their file list, since they also say when they were written.
        var objects = new List<string>();
        var listing = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket });
        foreach (var o in (listing.S3Objects ?? []).OrderBy(o => o.Key, StringComparer.Ordinal))
            objects.Add(o.Key.StartsWith("manifests/", StringComparison.Ordinal) ? $"{o.Key} files {await ManifestFilesAsync(s3, bucket, o.Key)}" : $"{o.Key} {o.Size} {o.ETag}");
        return new PipelineSnapshot(rows, objects);
    }

    static async Task<string> ManifestFilesAsync(IAmazonS3 s3, string bucket, string key)
    {
        using var response = await s3.GetObjectAsync(bucket, key);
        var manifest = await System.Text.Json.JsonDocument.ParseAsync(response.ResponseStream);
        return manifest.RootElement.GetProperty("files").GetRawText();
    }

    public bool Equals(PipelineSnapshot? other) => other is not null && Rows.SequenceEqual(other.Rows) && LakeObjects.SequenceEqual(other.LakeObjects);

    public override int GetHashCode() => Rows.Count;

    public override string ToString() => string.Join("\n", Rows.Concat(LakeObjects));
}
