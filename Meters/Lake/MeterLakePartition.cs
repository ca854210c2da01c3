using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Parquet;
using Parquet.Schema;

namespace Meters.Lake;

/// <summary>One file of a partition's export, as its manifest lists it.</summary>
public sealed record MeterLakeFile(string Path, long Rows, long Bytes, string Sha256);

/// <summary>manifest.json of a (day, device) partition: which run wrote it and its files.</summary>
public sealed record MeterLakeManifest(DateOnly Day, string DeviceId, string RunId, DateTime CreatedAt, IReadOnlyList<MeterLakeFile> Files);

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
        var files = new List<MeterLakeFile>();
        foreach (var (kind, sql, fields) in new[]
        {
            ("raw", Raw, RawFields),
            ("processed", Processed, ProcessedFields),
            ("cleaned", Cleaned, CleanedFields),
        })
        {
            var relative = $"{Prefix(kind, day, device)}/{kind}.parquet";
            var path = Path.Combine(directory, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await using (var command = new NpgsqlCommand(sql, connection))
            {
                command.Parameters.Add(new() { Value = device });
                command.Parameters.Add(new() { Value = from, NpgsqlDbType = NpgsqlDbType.TimestampTz });
                command.Parameters.Add(new() { Value = to, NpgsqlDbType = NpgsqlDbType.TimestampTz });
                await using var reader = await command.ExecuteReaderAsync(ct);
                await WriteParquetAsync(reader, fields, path, ct);
            }
            files.Add(await DescribeAsync(directory, relative, ct));
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

    /// <summary>The query's columns, in the fields' order and types, as one row group (a partition is at most a day of one device).</summary>
    static async Task WriteParquetAsync(NpgsqlDataReader reader, DataField[] fields, string path, CancellationToken ct)
    {
        var columns = fields.Select(_ => new List<object?>()).ToArray();
        while (await reader.ReadAsync(ct))
            for (var i = 0; i < fields.Length; i++)
                columns[i].Add(reader.IsDBNull(i) ? null : reader.GetValue(i));
        var options = new ParquetOptions { CompressionMethod = CompressionMethod.Zstd, CompressionLevel = CompressionLevel.Optimal };
        await using var file = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), file, options, cancellationToken: ct);
        using var group = writer.CreateRowGroup();
        for (var i = 0; i < fields.Length; i++)
        {
            var (field, values) = (fields[i], columns[i]);
            // by the database column's type: the query's columns are the fields' in order and kind
            Task write = reader.GetFieldType(i) switch
            {
                var t when t == typeof(string) => group.WriteAsync<ReadOnlyMemory<char>>(field, values.Select(v => ((string)v!).AsMemory()).ToArray(), cancellationToken: ct),
                var t when t == typeof(int) => group.WriteAsync<int>(field, values.Select(v => (int)v!).ToArray(), cancellationToken: ct),
                var t when t == typeof(short) => group.WriteAsync<short>(field, values.Select(v => (short)v!).ToArray(), cancellationToken: ct),
                var t when t == typeof(double) => group.WriteAsync<double>(field, values.Select(v => (double)v!).ToArray(), cancellationToken: ct),
                var t when t == typeof(long) && field.IsNullable => group.WriteAsync<long>(field, values.Select(v => (long?)v).ToArray(), cancellationToken: ct),
                var t when t == typeof(long) => group.WriteAsync<long>(field, values.Select(v => (long)v!).ToArray(), cancellationToken: ct),
                var t when t == typeof(DateTime) && field.IsNullable => group.WriteAsync<DateTime>(field, values.Select(v => (DateTime?)v).ToArray(), cancellationToken: ct),
                var t when t == typeof(DateTime) => group.WriteAsync<DateTime>(field, values.Select(v => (DateTime)v!).ToArray(), cancellationToken: ct),
                // bytea: Parquet.Net's overload for binary values (null for a missing key or value)
                _ => group.WriteAsync(field, values.Select(v => (byte[])v!).ToArray()),
            };
            await write;
        }
    }

    static async Task<MeterLakeFile> DescribeAsync(string root, string relative, CancellationToken ct)
    {
        await using var stream = File.OpenRead(Path.Combine(root, relative));
        long rows;
        await using (var reader = await ParquetReader.CreateAsync(stream, leaveStreamOpen: true, cancellationToken: ct))
            rows = reader.Metadata!.NumRows;
        stream.Position = 0;
        return new MeterLakeFile(relative, rows, stream.Length, Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct)));
    }
}
