using System.Reflection;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Grid.Transformations;
using Formats.Lake;
using Npgsql;
using NpgsqlTypes;
using Parquet;

namespace Grid.Lake;

/// <summary>
/// What to export: a dataset's partitions of an area over local days (both inclusive; null: every day the dataset has
/// points on), and the bronze payloads first fetched since <see cref="FetchedSince"/>.
/// </summary>
public sealed record GridExportRequest(string Dataset, string Area, DateOnly? FirstDay, DateOnly? LastDay, DateTime FetchedSince);

/// <summary>Partitions looked at, partitions written (their rows changed since the last export) and rows written.</summary>
public sealed record GridExportOutcome(int Partitions, int Exported, long Rows, string ManifestKey);

/// <summary>grid/manifest.json: every object of the grid's lake, with its rows, bytes and SHA-256.</summary>
public sealed record GridLakeManifest(DateTime UpdatedAt, string Writer, IReadOnlyList<GridLakeObject> Files);

public sealed record GridLakeObject(string Path, string Layer, string Table, string Area, DateOnly Day, long Rows, long Bytes, string Sha256);

/// <summary>
/// Parquet of the grid's bronze, silver and gold tables on S3, one object per (table, dataset, area, local day), Hive
/// style (<c>grid/silver/grid_points/dataset=public_power/area=de/day=2025-12-01/part-0.parquet</c>), and
/// <c>grid/manifest.json</c> listing every object. Idempotent and incremental: a partition is written again only when
/// the fingerprint of its rows (count and md5 of the rows, computed by PostgreSQL) differs from the one recorded at
/// its last upload in <c>pipeline.grid_exports</c>, so repeating an export uploads nothing and a revision re-exports
/// exactly the days it changed.
/// </summary>
public sealed class GridLakeExport(NpgsqlDataSource dataSource, IAmazonS3 s3, string bucket, GridAreas areas, TimeProvider time)
{
    public const string ManifestKey = "grid/manifest.json";

    /// <summary>The tables this export writes, as the lake's catalog lists them.</summary>
    public static IReadOnlyList<LakeDataset> Datasets { get; } = [.. GridLakeTable.All.Select(t => t.Dataset)];

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    static readonly string Writer = "Parquet.Net " + typeof(ParquetWriter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];

    public async Task<GridExportOutcome> ExportAsync(GridExportRequest request, CancellationToken ct)
    {
        using var span = GridTelemetry.Source.StartActivity("grid export");
        span?.SetTag("grid.dataset", request.Dataset);
        span?.SetTag("grid.area", request.Area);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var (partitions, exported, rows) = (0, 0, 0L);
        foreach (var (table, area, first, last) in await PlanAsync(connection, request, ct))
        {
            var changed = await ChangedDaysAsync(connection, table, request.Dataset, area, first, last, ct);
            partitions += changed.Partitions;
            if (changed.Days.Count == 0) continue;
            foreach (var file in await WriteAsync(connection, table, request.Dataset, area, changed.Days, ct))
            {
                exported++;
                rows += file.Rows;
            }
        }
        await WriteManifestAsync(connection, ct);
        GridTelemetry.PartitionsExported.Add(exported, new KeyValuePair<string, object?>("grid.dataset", request.Dataset));
        span?.SetTag("grid.partitions", partitions);
        span?.SetTag("grid.exported", exported);
        return new GridExportOutcome(partitions, exported, rows, ManifestKey);
    }

    /// <summary>
    /// The tables and day ranges a dataset's ingestion can have changed: its bronze and silver over the days; for public
    /// power the gold of the country, 7 days further (a day's baseline reads the 7 days before it); for the priced
    /// bidding zone the price-vs-wind of its country.
    /// </summary>
    async Task<List<(GridLakeTable Table, string Area, DateOnly First, DateOnly Last)>> PlanAsync(NpgsqlConnection connection, GridExportRequest request, CancellationToken ct)
    {
        var today = BerlinTime.DayOf(time.GetUtcNow().UtcDateTime);
        var plan = new List<(GridLakeTable, string, DateOnly, DateOnly)> { (GridLakeTable.Fetches, request.Area, BerlinTime.DayOf(request.FetchedSince), today) };
        if ((request.FirstDay, request.LastDay) is not ({ } first, { } last))
        {
            await using var command = new NpgsqlCommand("SELECT min(ts), max(ts) FROM pipeline.grid_points WHERE dataset = $1 AND area = $2", connection);
            command.Parameters.Add(new() { Value = request.Dataset });
            command.Parameters.Add(new() { Value = request.Area });
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            if (reader.IsDBNull(0)) return plan;
            (first, last) = (BerlinTime.DayOf(reader.GetDateTime(0)), BerlinTime.DayOf(reader.GetDateTime(1)));
        }
        plan.Add((GridLakeTable.Points, request.Area, first, last));
        plan.Add((GridLakeTable.Changes, request.Area, first, last));
        if (request.Dataset == GridDataset.PublicPower)
        {
            var baseline = last.AddDays(GridTransformations.BaselineDays);
            plan.Add((GridLakeTable.DailyProduction, request.Area, first, last));
            plan.Add((GridLakeTable.Underperformance, request.Area, first, baseline));
            plan.Add((GridLakeTable.PriceWind, request.Area, first, last));
        }
        else if (request.Dataset == GridDataset.Price && string.Equals(request.Area, areas.BiddingZone, StringComparison.OrdinalIgnoreCase))
        {
            plan.Add((GridLakeTable.PriceWind, areas.Country, first, last));
        }
        return plan;
    }

    /// <summary>The days in range whose rows' fingerprint is not the one recorded at their last upload.</summary>
    async Task<(int Partitions, List<(DateOnly Day, string Fingerprint)> Days)> ChangedDaysAsync(NpgsqlConnection connection, GridLakeTable table, string dataset, string area, DateOnly first, DateOnly last, CancellationToken ct)
    {
        var sql = $"""
            WITH days AS (
                SELECT r.day, count(*) || ':' || md5(string_agg(r::text, ',' ORDER BY {table.Order})) AS fingerprint
                FROM ({table.Source}) r GROUP BY r.day)
            SELECT d.day, d.fingerprint, e.fingerprint IS DISTINCT FROM d.fingerprint
            FROM days d LEFT JOIN pipeline.grid_exports e ON e.key = $7 || to_char(d.day, 'YYYY-MM-DD') || '/part-0.parquet'
            ORDER BY d.day
            """;
        var prefix = table.Key(dataset, area, first)[..^"yyyy-MM-dd/part-0.parquet".Length];
        await using var command = Command(connection, sql, dataset, area, first, last);
        command.Parameters.Add(new() { Value = prefix });
        var (partitions, changed) = (0, new List<(DateOnly, string)>());
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            partitions++;
            if (reader.GetBoolean(2)) changed.Add((reader.GetFieldValue<DateOnly>(0), reader.GetString(1)));
        }
        return (partitions, changed);
    }

    /// <summary>
    /// Reads the changed days' rows in one query, writes and uploads one file per day, and records each upload with the
    /// fingerprint read before (a row changed since then is found again by the next export).
    /// </summary>
    async Task<List<LakeFile>> WriteAsync(NpgsqlConnection connection, GridLakeTable table, string dataset, string area, List<(DateOnly Day, string Fingerprint)> days, CancellationToken ct)
    {
        var staging = Path.Combine(Path.GetTempPath(), "grid-export", Guid.NewGuid().ToString("N"));
        var files = new List<LakeFile>();
        var fingerprints = days.ToDictionary(d => d.Day, d => d.Fingerprint);
        try
        {
            var rows = new List<object?[]>();
            DateOnly? current = null;
            async Task FlushAsync()
            {
                var key = table.Key(dataset, area, current!.Value);
                await ParquetColumns.WriteAsync(Path.Combine(staging, key), table.Fields, rows, ct);
                var file = await LakeFile.DescribeAsync(staging, key, ct);
                await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, FilePath = Path.Combine(staging, key) }, ct);
                await RecordAsync(table, area, current.Value, file, fingerprints[current.Value], ct);
                files.Add(file);
                rows.Clear();
            }

            await using (var command = Command(connection, $"SELECT * FROM ({table.Source}) r WHERE r.day = ANY($7) ORDER BY r.day, {table.Order}", dataset, area, days[0].Day, days[^1].Day))
            {
                command.Parameters.Add(new() { Value = days.Select(d => d.Day).ToArray() });
                await using var reader = await command.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    var day = reader.GetFieldValue<DateOnly>(0);
                    if (current is { } c && c != day) await FlushAsync();
                    current = day;
                    var row = new object?[reader.FieldCount - 1];
                    for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i + 1) ? null : reader.GetValue(i + 1);
                    rows.Add(row);
                }
            }
            if (current is not null) await FlushAsync();
            return files;
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    // on a connection of its own: the export's connection is still reading the partitions' rows
    async Task RecordAsync(GridLakeTable table, string area, DateOnly day, LakeFile file, string fingerprint, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO pipeline.grid_exports (key, layer, table_name, area, day, rows, bytes, sha256, fingerprint, exported_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now())
            ON CONFLICT (key) DO UPDATE SET rows = excluded.rows, bytes = excluded.bytes, sha256 = excluded.sha256,
                fingerprint = excluded.fingerprint, exported_at = excluded.exported_at
            """);
        foreach (var value in new object[] { file.Path, table.Layer, table.Name, area, day, file.Rows, file.Bytes, file.Sha256, fingerprint })
            command.Parameters.Add(new() { Value = value });
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The manifest of every object recorded, rewritten after each export (also one that wrote nothing, so a run that failed before its manifest is completed by the next).</summary>
    async Task WriteManifestAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var files = new List<GridLakeObject>();
        var updated = DateTime.UnixEpoch;
        await using (var command = new NpgsqlCommand("SELECT key, layer, table_name, area, day, rows, bytes, sha256, exported_at FROM pipeline.grid_exports ORDER BY key", connection))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                files.Add(new GridLakeObject(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetFieldValue<DateOnly>(4),
                    reader.GetInt64(5), reader.GetInt64(6), reader.GetString(7)));
                if (reader.GetDateTime(8) > updated) updated = reader.GetDateTime(8);
            }
        }
        // the time of the latest upload, not of this run: the same lake gives the same manifest
        var body = JsonSerializer.SerializeToUtf8Bytes(new GridLakeManifest(updated, Writer, files), Json);
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = ManifestKey, InputStream = new MemoryStream(body), ContentType = "application/json" }, ct);
    }

    static NpgsqlCommand Command(NpgsqlConnection connection, string sql, string dataset, string area, DateOnly first, DateOnly last)
    {
        var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new() { Value = dataset });
        command.Parameters.Add(new() { Value = area });
        command.Parameters.Add(new() { Value = BerlinTime.StartOfDayUtc(first), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = BerlinTime.StartOfDayUtc(last.AddDays(1)), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = first, NpgsqlDbType = NpgsqlDbType.Date });
        command.Parameters.Add(new() { Value = last, NpgsqlDbType = NpgsqlDbType.Date });
        return command;
    }
}
