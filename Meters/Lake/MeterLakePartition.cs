using System.Text.Json;
using Formats.Lake;
using Npgsql;
using NpgsqlTypes;
using Parquet.Schema;

namespace Meters.Lake;

/// <summary>manifest.json of a (day, device) partition: which run wrote it and its files.</summary>
public sealed record MeterLakeManifest(DateOnly Day, string DeviceId, string RunId, DateTime CreatedAt, IReadOnlyList<LakeFile> Files);

/// <summary>
/// The lake export of one (UTC day, device) partition, written into a local directory Hive-style:
/// <c>raw/day=…/device=…/raw.parquet</c> (the records as received whose measurement falls in the partition),
/// <c>processed/…/processed.parquet</c> (the flat measurements with their source positions),
/// <c>cleaned/…/cleaned.parquet</c> (the grid with each row's method) and <c>manifests/…/manifest.json</c>.
/// The same partition always gives the same keys, so a repeated export overwrites and never duplicates.
/// </summary>
public static class MeterLakePartition
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>The partition's tables, as the lake's catalog lists them.</summary>
    public static IReadOnlyList<LakeDataset> Datasets => [RawDataset, ProcessedDataset, CleanedDataset];

    public static string Prefix(string kind, DateOnly day, string device) => $"meters/{kind}/day={day:yyyy-MM-dd}/device={Uri.EscapeDataString(device)}";

    const string Raw = """
        SELECT r.topic, r.partition, r."offset", r.key, r.value, r."timestamp", r.timestamp_type
        FROM meters.raw_records r JOIN meters.measurements m USING (topic, partition, "offset")
        WHERE m.device_id = $1 AND m.t_measurement >= $2 AND m.t_measurement < $3 ORDER BY 1, 2, 3
        """;

    const string Processed = """
        SELECT topic, partition, "offset", t_measurement, t_report, device_id, signal_name, value
        FROM meters.measurements WHERE device_id = $1 AND t_measurement >= $2 AND t_measurement < $3 ORDER BY 1, 2, 3
        """;

    const string Cleaned = """
        SELECT device_id, signal_name, ts, value, method, source_offset
        FROM meters.cleaned WHERE device_id = $1 AND ts >= $2 AND ts < $3 ORDER BY signal_name, ts
        """;

    /// <summary>Writes the partition's files and manifest under <paramref name="directory"/>; returns the manifest (paths relative to it).</summary>
    public static async Task<MeterLakeManifest> WriteAsync(NpgsqlConnection connection, DateOnly day, string device, string runId, DateTime now, string directory, CancellationToken ct)
    {
        var from = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var to = from.AddDays(1);
        var files = new List<LakeFile>();
        foreach (var (kind, sql, dataset) in new[] { ("raw", Raw, RawDataset), ("processed", Processed, ProcessedDataset), ("cleaned", Cleaned, CleanedDataset) })
        {
            var relative = $"{dataset.Folder(day, device)}{kind}.parquet";
            await using (var command = new NpgsqlCommand(sql, connection))
            {
                command.Parameters.Add(new() { Value = device });
                command.Parameters.Add(new() { Value = from, NpgsqlDbType = NpgsqlDbType.TimestampTz });
                command.Parameters.Add(new() { Value = to, NpgsqlDbType = NpgsqlDbType.TimestampTz });
                await using var reader = await command.ExecuteReaderAsync(ct);
                await ParquetColumns.WriteAsync(Path.Combine(directory, relative), dataset.Fields, reader, ct);
            }
            files.Add(await LakeFile.DescribeAsync(directory, relative, ct));
        }
        var manifest = new MeterLakeManifest(day, device, runId, now, files);
        var manifestPath = Path.Combine(directory, ManifestKey(day, device));
        Directory.CreateDirectory(Path.GetDirectoryName(manifestPath)!);
        await File.WriteAllTextAsync(manifestPath, JsonSerializer.Serialize(manifest, Json), ct);
        return manifest;
    }

    public static string ManifestKey(DateOnly day, string device) => $"{Prefix("manifests", day, device)}/manifest.json";

    static readonly DataField[] RawFields =
    [
        new DataField<string>("topic", false), new DataField<int>("partition", false), new DataField<long>("offset", false),
        new DataField<byte[]>("key", true), new DataField<byte[]>("value", true),
        new DateTimeDataField("timestamp", DateTimeFormat.Timestamp, isAdjustedToUTC: true, DateTimeTimeUnit.Micros, isNullable: true),
        new DataField<short>("timestampType", false),
    ];

    static readonly DataField[] ProcessedFields =
    [
        new DataField<string>("topic", false), new DataField<int>("partition", false), new DataField<long>("offset", false),
        new DateTimeDataField("t_measurement", DateTimeFormat.Timestamp, isAdjustedToUTC: true, DateTimeTimeUnit.Micros, isNullable: false),
        new DateTimeDataField("t_report", DateTimeFormat.Timestamp, isAdjustedToUTC: true, DateTimeTimeUnit.Micros, isNullable: false),
        new DataField<string>("device_id", false), new DataField<string>("signal_name", false), new DataField<double>("value", false),
    ];

    static readonly DataField[] CleanedFields =
    [
        new DataField<string>("device_id", false), new DataField<string>("signal_name", false),
        new DateTimeDataField("timestamp", DateTimeFormat.Timestamp, isAdjustedToUTC: true, DateTimeTimeUnit.Micros, isNullable: false),
        new DataField<double>("value", false), new DataField<string>("method", false), new DataField<long>("source_offset", true),
    ];

    static readonly LakeDataset RawDataset = new("meters_raw", "Meter Kafka records as received (bronze), per UTC day of measurement and device",
        "meters/raw/day={day}/device={device}/", RawFields);

    static readonly LakeDataset ProcessedDataset = new("meters_processed", "Meter measurements parsed from the raw records, with their source positions",
        "meters/processed/day={day}/device={device}/", ProcessedFields);

    static readonly LakeDataset CleanedDataset = new("meters_cleaned", "Meter series on the 10-second grid, each value measured or filled (method) and its source offset",
        "meters/cleaned/day={day}/device={device}/", CleanedFields);
}
