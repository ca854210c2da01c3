using System.Text.Json;
using Trades.Validation;

namespace Trades.Json;

/// <summary>
/// The WebSocket/Kafka message of one trade: a JSON object, keys in CSV column order, every value a string
/// (the original feed's contract). Parse with <see cref="TradeValidator.ValidateJson"/>.
/// </summary>
public static class TradeJson
{
    public static void Write(Utf8JsonWriter writer, Trade trade)
    {
        var fields = TradeFormat.Fields(trade);
        writer.WriteStartObject();
        for (var column = 0; column < TradeColumns.Count; column++) writer.WriteString(TradeColumns.Names[column], fields[column]);
        writer.WriteEndObject();
    }

    public static byte[] ToUtf8Bytes(Trade trade)
    {
        using var stream = new MemoryStream(320);
        using (var writer = new Utf8JsonWriter(stream)) Write(writer, trade);
        return stream.ToArray();
    }
}
