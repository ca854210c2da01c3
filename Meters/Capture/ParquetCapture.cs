using Parquet;
using Parquet.Schema;

namespace Meters.Capture;

/// <summary>
/// Reads a Kafka topic captured by Spark's Kafka source into Parquet (columns <c>key</c>, <c>value</c>, <c>topic</c>,
/// <c>partition</c>, <c>offset</c>, <c>timestamp</c>, <c>timestampType</c>) back into raw records. Spark writes every
/// column nullable; a record without topic, partition or offset cannot be identified and fails the import.
/// </summary>
public static class ParquetCapture
{
    static readonly string[] Columns = ["key", "value", "topic", "partition", "offset", "timestamp", "timestampType"];

    public static async Task<IReadOnlyList<RawRecord>> ReadAsync(string path, CancellationToken ct = default)
    {
        await using var file = File.OpenRead(path);
        ParquetReader reader;
        try
        {
            reader = await ParquetReader.CreateAsync(file, cancellationToken: ct);
        }
        catch (Exception error) when (error is IOException or InvalidDataException or NotSupportedException)
        {
            throw new CaptureFormatException($"not a Parquet file: {error.Message}", error);
        }
        await using (reader)
        {
            var fields = reader.Schema.GetDataFields();
            DataField Field(string name) => fields.FirstOrDefault(f => f.Name == name)
                ?? throw new CaptureFormatException($"missing column '{name}' (a Spark Kafka capture has {string.Join(", ", Columns)})");
            var (key, value, topic, partition, offset, timestamp, timestampType) =
                (Field("key"), Field("value"), Field("topic"), Field("partition"), Field("offset"), Field("timestamp"), Field("timestampType"));

            var records = new List<RawRecord>();
            for (var group = 0; group < reader.RowGroupCount; group++)
            {
                using var rows = reader.OpenRowGroupReader(group);
                var n = checked((int)rows.RowCount);
                var keys = new byte[]?[n];
                var values = new byte[]?[n];
                var topics = new string?[n];
                var partitions = new int?[n];
                var offsets = new long?[n];
                var timestamps = new DateTime?[n];
                var types = new int?[n];
                await rows.ReadAsync(key, keys.AsMemory(), cancellationToken: ct);
                await rows.ReadAsync(value, values.AsMemory(), cancellationToken: ct);
                await rows.ReadAsync(topic, topics.AsMemory(), cancellationToken: ct);
                await rows.ReadAsync<int>(partition, partitions, cancellationToken: ct);
                await rows.ReadAsync<long>(offset, offsets, cancellationToken: ct);
                await rows.ReadAsync<DateTime>(timestamp, timestamps, cancellationToken: ct);
                await rows.ReadAsync<int>(timestampType, types, cancellationToken: ct);
                for (var i = 0; i < n; i++)
                {
                    if (topics[i] is not { } t || partitions[i] is not { } p || offsets[i] is not { } o)
                        throw new CaptureFormatException($"row {records.Count + 1}: topic, partition and offset are required (got {topics[i] ?? "null"}, {partitions[i]?.ToString() ?? "null"}, {offsets[i]?.ToString() ?? "null"})");
                    records.Add(new RawRecord(t, p, o, keys[i], values[i],
                        // Spark stores the broker's timestamp as a UTC instant.
                        timestamps[i] is { } at ? DateTime.SpecifyKind(at, DateTimeKind.Utc) : null,
                        types[i] is { } type ? (KafkaTimestampType)type : KafkaTimestampType.NotAvailable));
                }
            }
            return records;
        }
    }
}
