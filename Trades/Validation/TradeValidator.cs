using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Trades.Validation;

/// <summary>
/// Turns a raw record (a JSON message from the WebSocket/Kafka or a CSV record) into a <see cref="Trade"/>, or says
/// precisely why not. One set of rules for every path, so a trade accepted from the socket is accepted from a file.
/// Thread-safe.
/// </summary>
public sealed class TradeValidator
{
    private static readonly string[] Columns = [.. TradeColumns.Names];
    private static readonly byte[][] Utf8Columns = [.. TradeColumns.Names.Select(Encoding.UTF8.GetBytes)];

    // Messages arrive one by one on any thread: each thread shares the strings of recurring values (product, area,
    // currency...) across the messages it validates instead of allocating them per message.
    [ThreadStatic] private static TextPool? _messagePool;
    private const int StackBufferBytes = 4096;
    private static readonly SearchValues<byte> CsvSpecials = SearchValues.Create(",\""u8);

    public TradeValidator(TradeValidationRules? rules = null) => Rules = rules ?? new TradeValidationRules();

    public static TradeValidator Default { get; } = new();

    public TradeValidationRules Rules { get; }

    /// <summary>
    /// Validates a message: one JSON object whose values are all strings, keys being the CSV column names. Unknown
    /// and duplicate keys are rejected, so a sender's contract change is visible in quarantine instead of lost.
    /// </summary>
    public TradeValidation ValidateJson(ReadOnlySpan<byte> message)
    {
        if (CheckEnvelope(message) is { } envelope) return TradeValidation.Invalid(envelope);

        // The unescaped values are never longer than the message; records within the default size limit need no heap copy.
        var buffer = message.Length <= StackBufferBytes ? stackalloc byte[message.Length] : new byte[message.Length];
        Span<Range> fields = stackalloc Range[TradeColumns.Count];
        Span<bool> present = stackalloc bool[TradeColumns.Count];
        var used = 0;
        try
        {
            var reader = new Utf8JsonReader(message, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 4 });
            if (!reader.Read()) return TradeValidation.Invalid("malformed JSON: the message is empty");
            if (reader.TokenType != JsonTokenType.StartObject)
                return TradeValidation.Invalid($"the message is a JSON {Describe(reader.TokenType)}, expected an object");
            var expected = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var column = ColumnOf(ref reader, expected);
                if (column < 0) return TradeValidation.Invalid($"unexpected field '{Printable(reader.GetString()!)}'");
                var name = Columns[column];
                if (present[column]) return TradeValidation.Invalid($"field {name} appears twice");
                expected = column + 1;
                present[column] = true;
                reader.Read();
                if (reader.TokenType != JsonTokenType.String)
                    return TradeValidation.Invalid($"{name} must be a JSON string, got {Describe(reader.TokenType)}");
                var length = reader.CopyString(buffer[used..]);
                fields[column] = new Range(used, used + length);
                used += length;
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) reader.Skip();
            }
            if (reader.TokenType != JsonTokenType.EndObject) return TradeValidation.Invalid("malformed JSON: the object is not closed");
            if (reader.Read()) return TradeValidation.Invalid("malformed JSON: content after the object");
        }
        catch (JsonException error)
        {
            return TradeValidation.Invalid($"malformed JSON: {error.Message}");
        }

        if (present.Contains(false))
        {
            var missing = new List<string>();
            for (var column = 0; column < TradeColumns.Count; column++)
                if (!present[column]) missing.Add(Columns[column]);
            return TradeValidation.Invalid($"missing field{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing)}");
        }

        return ValidateFields(buffer[..used], fields, _messagePool ??= new TextPool());
    }

    /// <summary>
    /// The column a property names, or −1. Senders write the columns in order, so the one after the previous is tried
    /// first; names are compared as UTF-8 without making a string (this ran once per field of every message).
    /// </summary>
    private static int ColumnOf(ref Utf8JsonReader reader, int expected)
    {
        if (reader.ValueIsEscaped || reader.HasValueSequence)
            return Array.IndexOf(Columns, reader.GetString());
        var name = reader.ValueSpan;
        if (expected < Utf8Columns.Length && name.SequenceEqual(Utf8Columns[expected])) return expected;
        for (var column = 0; column < Utf8Columns.Length; column++)
            if (name.SequenceEqual(Utf8Columns[column])) return column;
        return -1;
    }

    /// <summary>Validates one CSV record (no line break) whose fields are in the canonical column order.</summary>
    public TradeValidation ValidateCsvRecord(ReadOnlySpan<byte> record) => ValidateCsvRecord(record, columnOrder: null, pool: null);

    internal TradeValidation ValidateCsvRecord(ReadOnlySpan<byte> record, int[]? columnOrder, TextPool? pool)
    {
        if (CheckEnvelope(record) is { } envelope) return TradeValidation.Invalid(envelope);

        Span<Range> split = stackalloc Range[TradeColumns.Count + 1];
        var text = record;
        if (record.IndexOf((byte)'"') >= 0)
        {
            if (Unquote(record) is not { } unquoted) return TradeValidation.Invalid("malformed CSV: unbalanced quotes");
            text = unquoted.Text;
            var count = unquoted.Fields.Length;
            if (count != TradeColumns.Count) return TradeValidation.Invalid($"the record has {count} fields, expected {TradeColumns.Count}");
            unquoted.Fields.CopyTo(split);
        }
        else
        {
            var actual = record.Count((byte)',') + 1;
            if (actual != TradeColumns.Count) return TradeValidation.Invalid($"the record has {actual} fields, expected {TradeColumns.Count}");
            var start = 0;
            for (var i = 0; i < TradeColumns.Count; i++)
            {
                var comma = record[start..].IndexOf((byte)',');
                var end = comma < 0 ? record.Length : start + comma;
                split[i] = new Range(start, end);
                start = end + 1;
            }
        }

        Span<Range> fields = stackalloc Range[TradeColumns.Count];
        for (var i = 0; i < TradeColumns.Count; i++) fields[columnOrder is null ? i : columnOrder[i]] = split[i];
        return ValidateFields(text, fields, pool);
    }

    /// <summary>Size and encoding checks that come before any parsing.</summary>
    private string? CheckEnvelope(ReadOnlySpan<byte> payload)
    {
        if (payload.Length > Rules.MaxRecordBytes)
            return $"the record is {payload.Length:N0} bytes, larger than the limit of {Rules.MaxRecordBytes:N0}";
        if (!Utf8.IsValid(payload))
        {
            var offset = 0;
            while (Rune.DecodeFromUtf8(payload[offset..], out _, out var consumed) == OperationStatus.Done) offset += consumed;
            return $"the record is not valid UTF-8 (invalid byte 0x{payload[offset]:X2} at offset {offset})";
        }
        return null;
    }

    private TradeValidation ValidateFields(ReadOnlySpan<byte> text, ReadOnlySpan<Range> fields, TextPool? pool)
    {
        if (!TryParseFields(text, fields, pool, out var parsed, out var reason)) return TradeValidation.Invalid(reason);
        return TradeValidation.Valid(new Trade
        {
            TradeId = parsed.TradeId,
            RemoteTradeId = Text(text[fields[1]], pool, 1, intern: false),
            Side = parsed.Side,
            Product = parsed.Product,
            DeliveryStart = parsed.DeliveryStart,
            DeliveryEnd = parsed.DeliveryEnd,
            ExecutionTime = parsed.ExecutionTime,
            DeliveryArea = parsed.DeliveryArea,
            TradePhase = Text(text[fields[8]], pool, 8),
            UserDefinedBlock = Text(text[fields[9]], pool, 9),
            SelfTrade = Text(text[fields[10]], pool, 10),
            Price = parsed.Price,
            Currency = parsed.Currency,
            Volume = parsed.Volume,
            VolumeUnit = parsed.VolumeUnit,
            OrderId = parsed.OrderId,
        });
    }

    /// <summary>
    /// Splits and checks one CSV record without building a <see cref="Trade"/> (the bulk path of
    /// <see cref="Csv.TradeCsv.Load"/>); the same rules and reasons as <see cref="ValidateCsvRecord(ReadOnlySpan{byte})"/>.
    /// </summary>
    internal bool TryParseCsvRecord(ReadOnlySpan<byte> record, int[]? columnOrder, TextPool pool, out ParsedTrade parsed, [NotNullWhen(false)] out string? reason)
    {
        parsed = default;
        if (CheckEnvelope(record) is { } envelope)
        {
            reason = envelope;
            return false;
        }
        Span<Range> fields = stackalloc Range[TradeColumns.Count];
        if (record.IndexOf((byte)'"') >= 0)
        {
            // quoted fields are rare: take the general path
            var validation = ValidateCsvRecord(record, columnOrder, pool);
            if (validation.Trade is not { } trade)
            {
                reason = validation.Reason!;
                return false;
            }
            reason = null;
            parsed = new ParsedTrade(trade.TradeId, trade.Side, trade.Product, trade.DeliveryStart, trade.DeliveryEnd, trade.ExecutionTime,
                trade.DeliveryArea, trade.Price, trade.Currency, trade.Volume, trade.VolumeUnit, trade.OrderId);
            return true;
        }
        var start = 0;
        for (var i = 0; i < TradeColumns.Count; i++)
        {
            var comma = record[start..].IndexOf((byte)',');
            if ((comma < 0) != (i == TradeColumns.Count - 1))
            {
                reason = $"the record has {record.Count((byte)',') + 1} fields, expected {TradeColumns.Count}";
                return false;
            }
            var end = comma < 0 ? record.Length : start + comma;
            fields[columnOrder is null ? i : columnOrder[i]] = new Range(start, end);
            start = end + 1;
        }
        return TryParseFields(record, fields, pool, out parsed, out reason);
    }

    private bool TryParseFields(ReadOnlySpan<byte> text, ReadOnlySpan<Range> fields, TextPool? pool, out ParsedTrade parsed, [NotNullWhen(false)] out string? reason)
    {
        parsed = default;
        reason = Check(text, fields, pool, ref parsed);
        return reason is null;
    }

    /// <summary>The field rules, in column order; null when the record is valid (then <paramref name="parsed"/> is filled).</summary>
    private string? Check(ReadOnlySpan<byte> text, ReadOnlySpan<Range> fields, TextPool? pool, ref ParsedTrade parsed)
    {
        if (!TryPositiveLong(text[fields[0]], out var tradeId)) return Invalid(0, text[fields[0]], "is not a positive integer");
        var remoteTradeId = text[fields[1]];
        if (!IsIdentifier(remoteTradeId, allowEmpty: true)) return Invalid(1, remoteTradeId, "is not an identifier (letters, digits, '-', '_')");

        TradeSide side;
        if (text[fields[2]].SequenceEqual("SELL"u8)) side = TradeSide.Sell;
        else if (text[fields[2]].SequenceEqual("BUY"u8)) side = TradeSide.Buy;
        else return Invalid(2, text[fields[2]], "is not BUY or SELL");

        if (!IsIdentifier(text[fields[3]], allowEmpty: false)) return Invalid(3, text[fields[3]], "is not a product name (letters, digits, '-', '_')");
        if (!TryTimestamp(text[fields[4]], out var deliveryStart)) return InvalidTimestamp(4, text[fields[4]]);
        if (!TryTimestamp(text[fields[5]], out var deliveryEnd)) return InvalidTimestamp(5, text[fields[5]]);
        if (deliveryEnd <= deliveryStart)
            return $"DeliveryEnd {Show(text[fields[5]])} is not after DeliveryStart {Show(text[fields[4]])}";
        if (!TryTimestamp(text[fields[6]], out var executionTime)) return InvalidTimestamp(6, text[fields[6]]);
        if (!IsIdentifier(text[fields[7]], allowEmpty: false)) return Invalid(7, text[fields[7]], "is not a delivery area code (letters, digits, '-', '_')");
        if (!IsIdentifier(text[fields[8]], allowEmpty: false)) return Invalid(8, text[fields[8]], "is not a trade phase (for example CONT)");
        if (!text[fields[9]].SequenceEqual("Y"u8) && !text[fields[9]].SequenceEqual("N"u8)) return Invalid(9, text[fields[9]], "is not Y or N");
        if (!text[fields[10]].SequenceEqual("Y"u8) && !text[fields[10]].SequenceEqual("N"u8) && !text[fields[10]].SequenceEqual("U"u8))
            return Invalid(10, text[fields[10]], "is not Y, N or U");

        if (!TryDecimal(text[fields[11]], out var price)) return Invalid(11, text[fields[11]], "is not a decimal number");
        if (price.Scale > TradeValidationRules.MaxDecimalPlaces) return Invalid(11, text[fields[11]], TooManyDecimalPlaces);
        if (Math.Abs(price) > Rules.MaxAbsolutePrice) return Invalid(11, text[fields[11]], $"is outside ±{Rules.MaxAbsolutePrice.ToString(CultureInfo.InvariantCulture)}");
        var currency = Text(text[fields[12]], pool, 12);
        if (!Rules.Currencies.Contains(currency)) return Invalid(12, text[fields[12]], $"is not a known currency ({string.Join(", ", Rules.Currencies.Order())})");
        if (!TryDecimal(text[fields[13]], out var volume)) return Invalid(13, text[fields[13]], "is not a decimal number");
        if (volume.Scale > TradeValidationRules.MaxDecimalPlaces) return Invalid(13, text[fields[13]], TooManyDecimalPlaces);
        if (volume <= 0) return Invalid(13, text[fields[13]], "must be greater than 0");
        if (volume > Rules.MaxVolume) return Invalid(13, text[fields[13]], $"is larger than {Rules.MaxVolume.ToString(CultureInfo.InvariantCulture)}");
        var unit = Text(text[fields[14]], pool, 14);
        if (!Rules.VolumeUnits.Contains(unit)) return Invalid(14, text[fields[14]], $"is not a known volume unit ({string.Join(", ", Rules.VolumeUnits.Order())})");
        if (!TryPositiveLong(text[fields[15]], out var orderId)) return Invalid(15, text[fields[15]], "is not a positive integer");

        parsed = new ParsedTrade(tradeId, side, Text(text[fields[3]], pool, 3), deliveryStart, deliveryEnd, executionTime,
            Text(text[fields[7]], pool, 7), price, currency, volume, unit, orderId);
        return null;

        bool IsIdentifier(ReadOnlySpan<byte> value, bool allowEmpty)
        {
            if (value.Length == 0) return allowEmpty;
            if (value.Length > Rules.MaxTextLength) return false;
            foreach (var b in value)
                if (!(b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9' or (byte)'_' or (byte)'-')) return false;
            return true;
        }
    }

    private static readonly string TooManyDecimalPlaces = $"has more than {TradeValidationRules.MaxDecimalPlaces} decimal places";

    private static string Invalid(int column, ReadOnlySpan<byte> value, string problem) =>
        value.Length == 0 ? $"{Columns[column]} is missing" : $"{Columns[column]} {Show(value)} {problem}";

    private static string InvalidTimestamp(int column, ReadOnlySpan<byte> value) =>
        Invalid(column, value, "is not an ISO-8601 UTC timestamp (yyyy-MM-ddTHH:mm:ss[.fff]Z)");

    private static string Text(ReadOnlySpan<byte> value, TextPool? pool, int column, bool intern = true) =>
        pool is not null && intern ? pool.Get(column, value) : Encoding.UTF8.GetString(value);

    /// <summary>A value quoted for a message: at most 40 characters, control characters escaped.</summary>
    private static string Show(ReadOnlySpan<byte> value) => "'" + Printable(Encoding.UTF8.GetString(value)) + "'";

    private static string Printable(string value)
    {
        var shortened = value.Length > 40 ? value[..40] + "..." : value;
        var builder = new StringBuilder(shortened.Length);
        foreach (var c in shortened) builder.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c);
        return builder.ToString();
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "object",
        JsonTokenType.StartArray => "array",
        JsonTokenType.Number => "number",
        JsonTokenType.True or JsonTokenType.False => "boolean",
        JsonTokenType.Null => "null",
        JsonTokenType.String => "string",
        _ => token.ToString(),
    };

    internal static bool TryPositiveLong(ReadOnlySpan<byte> value, out long result)
    {
        result = 0;
        if (value.Length is 0 or > 18) return false;
        foreach (var b in value)
        {
            if (b is < (byte)'0' or > (byte)'9') return false;
            result = result * 10 + (b - '0');
        }
        return result > 0;
    }

    /// <summary>Plain decimal notation only: optional '-', digits, optional '.' and digits. No exponent, no grouping.</summary>
    internal static bool TryDecimal(ReadOnlySpan<byte> value, out decimal result)
    {
        result = 0;
        var digits = value.Length > 0 && value[0] == (byte)'-' ? value[1..] : value;
        if (digits.Length is 0 or > 28) return false;
        var point = digits.IndexOf((byte)'.');
        var integer = point < 0 ? digits : digits[..point];
        var fraction = point < 0 ? [] : digits[(point + 1)..];
        if (integer.Length == 0 || (point >= 0 && fraction.Length == 0)) return false;
        if (integer.ContainsAnyExceptInRange((byte)'0', (byte)'9') || fraction.ContainsAnyExceptInRange((byte)'0', (byte)'9')) return false;
        if (integer.Length + fraction.Length <= 18)
        {
            // up to 18 digits fit a long: the same value and scale decimal.TryParse gives, without its general parser
            long mantissa = 0;
            foreach (var b in integer) mantissa = mantissa * 10 + (b - '0');
            foreach (var b in fraction) mantissa = mantissa * 10 + (b - '0');
            if (mantissa != 0) // (zero keeps decimal.TryParse's handling of "-0")
            {
                result = new decimal((int)mantissa, (int)(mantissa >> 32), 0, digits.Length != value.Length, (byte)fraction.Length);
                return true;
            }
        }
        return decimal.TryParse(value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out result);
    }

    /// <summary>yyyy-MM-ddTHH:mm:ss, optional fraction of 1 to 7 digits, then Z: the export's only time format.</summary>
    internal static bool TryTimestamp(ReadOnlySpan<byte> value, out DateTime result)
    {
        result = default;
        if (value.Length < 20 || value[^1] != (byte)'Z' || value[4] != (byte)'-' || value[7] != (byte)'-' || value[10] != (byte)'T'
            || value[13] != (byte)':' || value[16] != (byte)':') return false;
        if (!Digits(value, 0, 4, out var year) || !Digits(value, 5, 2, out var month) || !Digits(value, 8, 2, out var day)
            || !Digits(value, 11, 2, out var hour) || !Digits(value, 14, 2, out var minute) || !Digits(value, 17, 2, out var second)) return false;
        long fractionTicks = 0;
        if (value.Length > 20)
        {
            var fraction = value[20..^1];
            if (value[19] != (byte)'.' || fraction.Length is 0 or > 7 || !Digits(fraction, 0, fraction.Length, out var f)) return false;
            fractionTicks = f * (long)Math.Pow(10, 7 - fraction.Length);
        }
        else if (value.Length != 20) return false;
        if (year is < 1900 or > 2200 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || hour > 23 || minute > 59 || second > 59) return false;
        result = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).AddTicks(fractionTicks);
        return true;

        static bool Digits(ReadOnlySpan<byte> text, int start, int length, out int number)
        {
            number = 0;
            for (var i = start; i < start + length; i++)
            {
                var b = text[i];
                if (b is < (byte)'0' or > (byte)'9') return false;
                number = number * 10 + (b - '0');
            }
            return true;
        }
    }

    /// <summary>Splits an RFC 4180 record with quoted fields; null when the quotes do not balance.</summary>
    private static (byte[] Text, Range[] Fields)? Unquote(ReadOnlySpan<byte> record)
    {
        var text = new byte[record.Length];
        var fields = new List<Range>();
        int length = 0, start = 0, i = 0;
        while (true)
        {
            if (i < record.Length && record[i] == (byte)'"')
            {
                i++;
                while (true)
                {
                    if (i >= record.Length) return null;
                    if (record[i] == (byte)'"')
                    {
                        if (i + 1 < record.Length && record[i + 1] == (byte)'"') { text[length++] = (byte)'"'; i += 2; continue; }
                        i++;
                        break;
                    }
                    text[length++] = record[i++];
                }
                if (i < record.Length && record[i] != (byte)',') return null;
            }
            else
            {
                var next = record[i..].IndexOfAny(CsvSpecials);
                var end = next < 0 ? record.Length : i + next;
                if (end < record.Length && record[end] == (byte)'"') return null;
                record[i..end].CopyTo(text.AsSpan(length));
                length += end - i;
                i = end;
            }
            fields.Add(new Range(start, length));
            if (i >= record.Length) break;
            i++; // the comma
            start = length;
        }
        return (text, [.. fields]);
    }
}

/// <summary>The checked values of a record that the analytics need (text fields other than these stay unread).</summary>
internal readonly record struct ParsedTrade(long TradeId, TradeSide Side, string Product, DateTime DeliveryStart, DateTime DeliveryEnd,
    DateTime ExecutionTime, string DeliveryArea, decimal Price, string Currency, decimal Volume, string VolumeUnit, long OrderId);

/// <summary>
/// Reuses the string of a recurring field value (Product, DeliveryArea, Currency...) so millions of rows share a few
/// strings. Per reader, not thread-safe; stops caching a column once it has many distinct values.
/// </summary>
internal sealed class TextPool
{
    private const int MaxEntries = 64;
    private readonly List<(byte[] Bytes, string Text)>[] _columns = Enumerable.Range(0, TradeColumns.Count).Select(_ => new List<(byte[], string)>()).ToArray();

    public string Get(int column, ReadOnlySpan<byte> value)
    {
        var entries = _columns[column];
        foreach (var (bytes, text) in entries)
            if (value.SequenceEqual(bytes)) return text;
        var created = Encoding.UTF8.GetString(value);
        if (entries.Count < MaxEntries) entries.Add((value.ToArray(), created));
        return created;
    }
}
