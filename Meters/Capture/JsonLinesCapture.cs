using System.Text;
using System.Text.Json;

namespace Meters.Capture;

/// <summary>
/// Reads meter messages from a text file into raw records, in the shapes people capture a topic with:
/// <list type="bullet">
/// <item>one message per line, as <c>kcat -C -e</c> prints them: each line's bytes become the record's value and its
/// position in the file its offset (line 1 is offset 0, blank lines keep their number so offsets are stable);</item>
/// <item>kcat's JSON envelope (<c>kcat -C -J</c>): <c>{"topic", "partition", "offset", "tstype", "ts", "key", "payload"}</c>
/// per line, whose real topic, partition, offset and timestamp are kept;</item>
/// <item>a JSON array of messages (the original exercise's <c>measurement_values.json</c>): element i is offset i.</item>
/// </list>
/// Lines are never parsed as meter messages here: a line that is not JSON becomes a raw record all the same, and
/// processing quarantines it with the reason.
/// </summary>
public static class JsonLinesCapture
{
    public static IReadOnlyList<RawRecord> Read(string path, string? topic = null)
    {
        var bytes = File.ReadAllBytes(path);
        topic ??= Path.GetFileNameWithoutExtension(path);
        var text = bytes.AsSpan();
        if (text.StartsWith(Encoding.UTF8.Preamble)) text = text[Encoding.UTF8.Preamble.Length..];
        return text.TrimStart(" \t\r\n"u8) is [(byte)'[', ..] ? ReadArray(text.ToArray(), topic) : ReadLines(text, topic);
    }

    static List<RawRecord> ReadLines(ReadOnlySpan<byte> text, string topic)
    {
        var records = new List<RawRecord>();
        long line = 0;
        foreach (var range in text.Split((byte)'\n'))
        {
            var content = text[range].TrimEnd((byte)'\r');
            if (!content.Trim(" \t"u8).IsEmpty)
                records.Add(Envelope(content) ?? new RawRecord(topic, 0, line, null, content.ToArray(), null, KafkaTimestampType.NotAvailable));
            line++;
        }
        return records;
    }

    static List<RawRecord> ReadArray(byte[] text, string topic)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException error)
        {
            throw new CaptureFormatException($"the file starts with '[' but is not a JSON array: {error.Message}", error);
        }
        using (document)
            return document.RootElement.EnumerateArray()
                .Select((message, i) => new RawRecord(topic, 0, i, null, Encoding.UTF8.GetBytes(message.GetRawText()), null, KafkaTimestampType.NotAvailable))
                .ToList();
    }

    /// <summary>A kcat <c>-J</c> envelope line as its record, or null when the line is a plain message.</summary>
    static RawRecord? Envelope(ReadOnlySpan<byte> line)
    {
        if (line.IndexOf("\"payload\""u8) < 0) return null;
        try
        {
            using var json = JsonDocument.Parse(line.ToArray());
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("topic", out var topic) || topic.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("partition", out var partition) || !partition.TryGetInt32(out var p)
                || !root.TryGetProperty("offset", out var offset) || !offset.TryGetInt64(out var o)
                || !root.TryGetProperty("payload", out var payload))
                return null;
            DateTime? timestamp = root.TryGetProperty("ts", out var ts) && ts.TryGetInt64(out var ms) ? DateTime.UnixEpoch.AddMilliseconds(ms) : null;
            var type = root.TryGetProperty("tstype", out var tstype) ? tstype.GetString() switch
            {
                "create" => KafkaTimestampType.CreateTime,
                "logappend" => KafkaTimestampType.LogAppendTime,
                _ => KafkaTimestampType.NotAvailable,
            } : KafkaTimestampType.NotAvailable;
            return new RawRecord(topic.GetString()!, p, o, Bytes(root, "key"), Bytes(root, "payload"), timestamp, timestamp is null ? KafkaTimestampType.NotAvailable : type);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    static byte[]? Bytes(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? Encoding.UTF8.GetBytes(value.GetString()!) : null;
}
