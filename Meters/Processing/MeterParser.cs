using System.Globalization;
using System.Text.Json;
using Formats.Json;

namespace Meters.Processing;

/// <summary>The fields of a meter message, before they are tied to the raw record they came from.</summary>
public readonly record struct ParsedMeter(DateTime TMeasurement, DateTime TReport, string DeviceId, string SignalName, double Value);

/// <summary>
/// Parses a raw record's value as a meter message <c>{t_measurement, t_report, device_id, signal_name, value}</c>.
/// Timestamps are epoch seconds. The producer sends them as JSON numbers; the original exercise's format example
/// (<c>measurement_values.json</c>) sends them as strings holding the same decimal number, and those are accepted
/// deliberately: the string is a lossless decimal and the documented format of the source. Anything else in a string
/// (including "NaN" and "Infinity"), a value that is not a JSON number, a missing or repeated field, an empty device
/// or signal, or a timestamp outside years 1970–9999 is rejected with a reason naming the field.
/// </summary>
public static class MeterParser
{
    static readonly string[] Fields = ["t_measurement", "t_report", "device_id", "signal_name", "value"];
    const decimal MaxEpochSeconds = 253402300799; // 9999-12-31T23:59:59Z

    public static bool TryParse(ReadOnlySpan<byte> json, out ParsedMeter meter, out string reason)
    {
        meter = default;
        if (json.IsEmpty)
        {
            reason = "empty value";
            return false;
        }
        var reader = new Utf8JsonReader(json);
        decimal tMeasurement = 0, tReport = 0;
        double value = 0;
        string? device = null, signal = null;
        var seen = 0;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                reason = $"not a JSON object (starts with {reader.TokenType})";
                return false;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var index = Array.IndexOf(Fields, reader.GetString());
                reader.Read();
                if (index < 0)
                {
                    reader.Skip(); // fields the message may grow later do not make it invalid
                    continue;
                }
                if ((seen & (1 << index)) != 0)
                {
                    reason = $"field '{Fields[index]}' appears twice";
                    return false;
                }
                seen |= 1 << index;
                string? problem = index switch
                {
                    0 => EpochSeconds(ref reader, Fields[0], out tMeasurement),
                    1 => EpochSeconds(ref reader, Fields[1], out tReport),
                    2 => JsonFields.Text(ref reader, Fields[2], out device),
                    3 => JsonFields.Text(ref reader, Fields[3], out signal),
                    _ => JsonFields.Number(ref reader, Fields[4], out value),
                };
                if (problem is not null)
                {
                    reason = problem;
                    return false;
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                reason = "malformed JSON: content after the object";
                return false;
            }
        }
        catch (JsonException error)
        {
            reason = "malformed JSON: " + error.Message;
            return false;
        }
        if (seen != (1 << Fields.Length) - 1)
        {
            reason = JsonFields.Missing(Fields, seen);
            return false;
        }
        meter = new ParsedMeter(FromEpochSeconds(tMeasurement), FromEpochSeconds(tReport), device!, signal!, value);
        reason = "";
        return true;
    }

    /// <summary>
    /// Epoch seconds to a UTC time. The JSON text is read as a decimal, not a double (which cannot hold 16 digits), so
    /// the producer's microseconds survive exactly.
    /// </summary>
    public static DateTime FromEpochSeconds(decimal seconds) => DateTime.UnixEpoch.AddTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond));

    static string? EpochSeconds(ref Utf8JsonReader reader, string field, out decimal seconds)
    {
        seconds = 0;
        switch (reader.TokenType)
        {
            case JsonTokenType.Number when reader.TryGetDecimal(out var number):
                seconds = number;
                break;
            case JsonTokenType.String when decimal.TryParse(reader.GetString(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var parsed):
                seconds = parsed;
                break;
            case JsonTokenType.String:
                return $"'{field}' is the string \"{JsonFields.Shorten(reader.GetString()!)}\", expected epoch seconds";
            default:
                return $"'{field}' is {JsonFields.Describe(reader.TokenType)}, expected epoch seconds";
        }
        return seconds is >= 0 and <= MaxEpochSeconds ? null : $"'{field}' {seconds.ToString(CultureInfo.InvariantCulture)} is not a time between 1970 and 9999";
    }
}
