using System.Globalization;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Grid.EnergyCharts;
using Grid.Lake;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ServiceDefaults.Lake;
using TestSupport;

namespace Grid.Tests;

/// <summary>
/// The grid's Parquet on S3 (moto), read back with DuckDB (a reader that shares no code with Parquet.Net) and compared
/// with the database's rows; repeated and revised exports write exactly the partitions whose rows changed.
/// </summary>
[Collection(GridDatabaseCollection.Name)]
public sealed class LakeExportTests(GridDatabase database, S3Fixture s3) : IClassFixture<S3Fixture>, IDisposable
{
    static readonly DateOnly[] December = [new(2025, 12, 1), new(2025, 12, 2), new(2025, 12, 3)];
    readonly IAmazonS3 _client = LakeConnection.Parse(s3.ConnectionString).CreateClient();
    readonly string _downloaded = Directory.CreateTempSubdirectory("grid-lake-").FullName;

    public void Dispose()
    {
        _client.Dispose();
        Directory.Delete(_downloaded, recursive: true);
    }

    [Fact]
    public async Task The_exported_partitions_hold_exactly_the_database_rows_with_a_manifest_of_their_counts_and_checksums()
    {
        await using var dataSource = await database.CreateAsync();
        await IngestAsync(dataSource, December.Select(d => Recorded.PublicPower(d)).Append(Recorded.Price(December[1])));

        var outcome = await ExportAsync(dataSource, new(GridDataset.PublicPower, "de", December[0], December[^1], Recorded.FirstFetch.UtcDateTime));
        await ExportAsync(dataSource, new(GridDataset.Price, "DE-LU", December[1], December[1], Recorded.FirstFetch.UtcDateTime));
        await DownloadAsync();

        using var duck = new IndependentParquetReader();
        // silver: every point, partition columns from the Hive path, values and instants exactly as stored
        var lake = duck.Rows($"""
            SELECT dataset, area, CAST(day AS VARCHAR), series, epoch_us(ts), value, unit, epoch_us(valid_from), fetch_id
            FROM read_parquet('{_downloaded}/grid/silver/grid_points/*/*/*/*.parquet', hive_partitioning = true)
            ORDER BY 1, 2, 4, 5
            """).Select(Line).ToList();
        var stored = await RowsAsync(dataSource, """
            SELECT dataset, area, to_char((ts AT TIME ZONE 'Europe/Berlin')::date, 'YYYY-MM-DD'), series, (extract(epoch FROM ts) * 1000000)::bigint, value, unit,
                   (extract(epoch FROM valid_from) * 1000000)::bigint, fetch_id
            FROM pipeline.grid_points ORDER BY 1, 2, 4, 5
            """);
        Assert.Equal(3 * 2016 + 96, stored.Count); // three days of public power, one of quarter-hourly prices
        Assert.Equal(stored, lake);

        // gold: the daily production as stored
        var production = duck.Rows($"""
            SELECT area, CAST(day AS VARCHAR), series, energy_mwh, mean_mw, points
            FROM read_parquet('{_downloaded}/grid/gold/grid_daily_production/*/*/*.parquet', hive_partitioning = true) ORDER BY 1, 2, 3
            """).Select(Line).ToList();
        Assert.Equal(await RowsAsync(dataSource, "SELECT area, to_char(day, 'YYYY-MM-DD'), series, energy_mwh, mean_mw, points FROM pipeline.grid_daily_production ORDER BY 1, 2, 3"), production);

        // bronze: the payloads byte for byte
        var payloads = duck.Rows($"SELECT id, payload FROM read_parquet('{_downloaded}/grid/bronze/grid_fetches/*/*/*/*.parquet', hive_partitioning = true) ORDER BY id");
        Assert.Equal(4, payloads.Count);
        Assert.Equal(await RowsAsync(dataSource, "SELECT id, payload_sha256 FROM pipeline.grid_fetches ORDER BY id"),
            payloads.Select(r => Line([r[0], Sha256((Stream)r[1]!)])).ToList());

        // the manifest lists every object with the rows DuckDB counts and the SHA-256 of the bytes
        var manifest = JsonSerializer.Deserialize<GridLakeManifest>(await File.ReadAllTextAsync(Path.Combine(_downloaded, GridLakeExport.ManifestKey)), JsonSerializerOptions.Web)!;
        var objects = Directory.GetFiles(_downloaded, "*.parquet", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(_downloaded, f)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(objects, manifest.Files.Select(f => f.Path));
        foreach (var file in manifest.Files)
        {
            var path = Path.Combine(_downloaded, file.Path);
            Assert.Equal((duck.Summarize(path).Rows, IndependentParquetReader.Sha256(path)), (file.Rows, file.Sha256));
        }
        Assert.Contains("grid/silver/grid_points/dataset=public_power/area=de/day=2025-12-01/part-0.parquet", objects);
        Assert.Contains("grid/gold/grid_daily_price_wind/area=de/day=2025-12-02/part-0.parquet", objects);
        // the public power export wrote its own and the gold; the price export found price vs wind already written
        Assert.Equal(manifest.Files.Count(f => f.Path.Contains("dataset=public_power") || f.Path.Contains("/gold/")), outcome.Exported);
    }

    [Fact]
    public async Task A_repeated_export_writes_nothing_and_a_revision_rewrites_exactly_the_partitions_it_changed()
    {
        await using var dataSource = await database.CreateAsync();
        await IngestAsync(dataSource, December.Select(d => Recorded.PublicPower(d)));
        var request = new GridExportRequest(GridDataset.PublicPower, "de", December[0], December[^1], Recorded.FirstFetch.UtcDateTime);
        var first = await ExportAsync(dataSource, request);
        var exported = await ExportedAsync(dataSource);

        var repeated = await ExportAsync(dataSource, request);
        await IngestAsync(dataSource, [Recorded.PublicPower(December[1], 2, Recorded.SecondFetch)]);
        var revised = await ExportAsync(dataSource, request with { FetchedSince = Recorded.SecondFetch.UtcDateTime });
        var rewritten = (await ExportedAsync(dataSource)).Where(e => !exported.Contains(e)).Select(e => e.Key).Order(StringComparer.Ordinal).ToList();

        Assert.Equal((first.Partitions, 0), (repeated.Partitions, repeated.Exported));
        Assert.Equal(
        [
            "grid/bronze/grid_fetches/dataset=public_power/area=de/day=2025-12-18/part-0.parquet", // the revising payload
            "grid/gold/grid_daily_production/area=de/day=2025-12-02/part-0.parquet",
            "grid/gold/grid_underperformance/area=de/day=2025-12-02/part-0.parquet",
            "grid/gold/grid_underperformance/area=de/day=2025-12-03/part-0.parquet", // its baseline reads 2025-12-02
            "grid/silver/grid_point_changes/dataset=public_power/area=de/day=2025-12-02/part-0.parquet",
            "grid/silver/grid_points/dataset=public_power/area=de/day=2025-12-02/part-0.parquet",
        ], rewritten);
        Assert.Equal(rewritten.Count, revised.Exported);
    }

    static async Task IngestAsync(NpgsqlDataSource dataSource, IEnumerable<FetchedPayload> payloads)
    {
        var ingestion = new GridIngestion(new EnergyChartsClient(new HttpClient(), new EnergyChartsOptions(), TimeProvider.System, NullLogger<EnergyChartsClient>.Instance),
            dataSource, new GridAreas(), NullLogger<GridIngestion>.Instance);
        foreach (var payload in payloads) await ingestion.StoreAsync(payload, default);
    }

    Task<GridExportOutcome> ExportAsync(NpgsqlDataSource dataSource, GridExportRequest request) =>
        new GridLakeExport(dataSource, _client, S3Fixture.Bucket, new GridAreas(), TimeProvider.System).ExportAsync(request, default);

    static async Task<HashSet<(string Key, DateTime ExportedAt)>> ExportedAsync(NpgsqlDataSource dataSource)
    {
        var rows = new HashSet<(string, DateTime)>();
        await using var command = dataSource.CreateCommand("SELECT key, exported_at FROM pipeline.grid_exports");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows.Add((reader.GetString(0), reader.GetDateTime(1)));
        return rows;
    }

    async Task DownloadAsync()
    {
        var listed = await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = S3Fixture.Bucket, Prefix = "grid/" });
        foreach (var item in listed.S3Objects)
        {
            using var response = await _client.GetObjectAsync(S3Fixture.Bucket, item.Key);
            var path = Path.Combine(_downloaded, item.Key);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await response.WriteResponseStreamToFileAsync(path, append: false, default);
        }
    }

    static async Task<List<string>> RowsAsync(NpgsqlDataSource dataSource, string sql)
    {
        var rows = new List<string>();
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var values = new object?[reader.FieldCount];
            for (var i = 0; i < values.Length; i++) values[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(Line(values));
        }
        return rows;
    }

    static byte[] Sha256(Stream blob) => System.Security.Cryptography.SHA256.HashData(blob);

    // one row as text, numbers invariant and round-trippable, so both readers' rows compare exactly
    static string Line(object?[] values) => string.Join(" | ", values.Select(v => v switch
    {
        null => "null",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        byte[] bytes => Convert.ToHexStringLower(bytes),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString(),
    }));
}
