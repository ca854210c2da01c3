using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Meters.Cleaning;
using Parquet;
using Parquet.Schema;

namespace Meters.Files;

/// <summary>The file formats <c>meters clean</c> writes the cleaned series in.</summary>
public enum CleanedFormat
{
    Parquet,
    Csv,
}

/// <summary>
/// Writes a run's results into a directory: <c>cleaned.parquet</c> or <c>cleaned.csv</c> (columns device_id,
/// signal_name, timestamp (UTC grid time), value, method (measured/linear/forward-fill), source_offset (empty for
/// filled rows)), <c>checks.json</c> (every check result and whether the run failed) and <c>quarantine.jsonl</c>
/// (each record that did not parse: its position, the reason and the value as received, base64).
/// </summary>
public static class CleanedFiles
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string MethodName(FillMethod method) => method switch
    {
        FillMethod.Measured => "measured",
        FillMethod.Linear => "linear",
        _ => "forward-fill",
    };

    public static async Task<IReadOnlyList<string>> WriteAsync(string directory, MeterRunResult run, CleanedFormat format, CancellationToken ct = default)
    {
        Directory.CreateDirectory(directory);
        var cleaned = Path.Combine(directory, format == CleanedFormat.Parquet ? "cleaned.parquet" : "cleaned.csv");
        if (format == CleanedFormat.Parquet) await WriteParquetAsync(cleaned, run.Series, ct);
        else WriteCsv(cleaned, run.Series);

        var checks = Path.Combine(directory, "checks.json");
        await File.WriteAllTextAsync(checks, JsonSerializer.Serialize(new
        {
            failed = run.Failed,
            records = run.Processed.Records,
            measurements = run.Processed.Known.Count,
            unknownSeries = run.Processed.Unknown.Count,
            quarantined = run.Processed.Quarantined.Count,
            series = run.Series.Select(s => new { series = s.Series.ToString(), points = s.Count, measured = s.MeasuredCount, filled = s.Count - s.MeasuredCount }),
            results = run.Checks,
        }, Json), ct);

        var quarantine = Path.Combine(directory, "quarantine.jsonl");
        await File.WriteAllLinesAsync(quarantine, run.Processed.Quarantined.Select(q => JsonSerializer.Serialize(new
        {
            topic = q.Record.Topic,
            partition = q.Record.Partition,
            offset = q.Record.Offset,
            reason = q.Reason,
            value = q.Record.Value,
        })), ct);
        return [cleaned, checks, quarantine];
    }

    static void WriteCsv(string path, IReadOnlyList<CleanedSeries> series)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16);
        writer.WriteLine("device_id,signal_name,timestamp,value,method,source_offset");
        foreach (var s in series)
        {
            var (device, signal) = (Csv(s.Series.DeviceId), Csv(s.Series.SignalName));
            for (var i = 0; i < s.Count; i++)
            {
                var method = s.Methods[i];
                writer.Write(string.Create(CultureInfo.InvariantCulture, $"{device},{signal},{s.Timestamp(i):yyyy-MM-ddTHH:mm:ssZ},{s.Values[i]:R},{MethodName(method)},"));
                if (method == FillMethod.Measured) writer.Write(s.Offsets[i].ToString(CultureInfo.InvariantCulture));
                writer.WriteLine();
            }
        }
    }

    static string Csv(string text) => text.AsSpan().IndexOfAny(",\"\r\n") < 0 ? text : "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    static async Task WriteParquetAsync(string path, IReadOnlyList<CleanedSeries> series, CancellationToken ct)
    {
        var device = new DataField<string>("device_id", false);
        var signal = new DataField<string>("signal_name", false);
        var timestamp = new DateTimeDataField("timestamp", DateTimeFormat.Timestamp, isAdjustedToUTC: true, DateTimeTimeUnit.Micros, isNullable: false);
        var value = new DataField<double>("value", false);
        var method = new DataField<string>("method", false);
        var offset = new DataField<long>("source_offset", true);
        var schema = new ParquetSchema(device, signal, timestamp, value, method, offset);
        // Optimal: zstd's smallest-size level is ~40× slower for a few percent (STACK.md); text columns repeat a few values.
        var options = new ParquetOptions { CompressionMethod = CompressionMethod.Zstd, CompressionLevel = CompressionLevel.Optimal };
        foreach (var text in new DataField[] { device, signal, method }) options.ColumnEncodingHints[text.Path.ToString()] = EncodingHint.Dictionary;

        await using var file = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(schema, file, options, cancellationToken: ct);
        foreach (var s in series)
        {
            // one row group per series
            var n = s.Count;
            using var group = writer.CreateRowGroup();
            await group.WriteAsync<ReadOnlyMemory<char>>(device, Enumerable.Repeat(s.Series.DeviceId.AsMemory(), n).ToArray(), cancellationToken: ct);
            await group.WriteAsync<ReadOnlyMemory<char>>(signal, Enumerable.Repeat(s.Series.SignalName.AsMemory(), n).ToArray(), cancellationToken: ct);
            var times = new DateTime[n];
            for (var i = 0; i < n; i++) times[i] = s.Timestamp(i);
            await group.WriteAsync<DateTime>(timestamp, times, cancellationToken: ct);
            await group.WriteAsync<double>(value, s.Values.ToArray(), cancellationToken: ct);
            var methods = new ReadOnlyMemory<char>[n];
            var offsets = new long?[n];
            for (var i = 0; i < n; i++)
            {
                methods[i] = MethodName(s.Methods[i]).AsMemory();
                offsets[i] = s.Methods[i] == FillMethod.Measured ? s.Offsets[i] : null;
            }
            await group.WriteAsync<ReadOnlyMemory<char>>(method, methods, cancellationToken: ct);
            await group.WriteAsync<long>(offset, offsets, cancellationToken: ct);
        }
    }
}
