using System.Text;
using Trades.Validation;

namespace Trades.Csv;

/// <summary>One record of a trades CSV: a valid trade, or the reason it was rejected and its raw bytes.</summary>
public sealed record TradeCsvRecord(long LineNumber, Trade? Trade, string? Reason, byte[]? RawRecord)
{
    public bool IsValid => Trade is not null;
}

/// <summary>The file itself is unusable (no header, missing columns): nothing in it can be trusted.</summary>
public sealed class TradeCsvFormatException(string message) : Exception(message);

/// <summary>
/// Trades CSV in the exchange's layout: an optional first comment line (starting with '#'), the header, then one
/// record per line. Records go through <see cref="TradeValidator"/>, the same rules as the JSON messages.
/// </summary>
public static class TradeCsv
{
    /// <summary>Reads a file lazily; see <see cref="Read(Stream, TradeValidator?)"/>.</summary>
    public static IEnumerable<TradeCsvRecord> Read(string path, TradeValidator? validator = null)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new TradeCsvFormatException($"cannot read {path}: {error.Message}");
        }
        return ReadAndClose(stream, validator);

        static IEnumerable<TradeCsvRecord> ReadAndClose(FileStream stream, TradeValidator? validator)
        {
            using (stream)
                foreach (var record in Read(stream, validator)) yield return record;
        }
    }

    /// <summary>
    /// Reads records lazily, in file order; blank lines are skipped. Columns may come in any order but all 16 must be
    /// in the header. Throws <see cref="TradeCsvFormatException"/> when there is no usable header.
    /// </summary>
    public static IEnumerable<TradeCsvRecord> Read(Stream stream, TradeValidator? validator = null)
    {
        validator ??= TradeValidator.Default;
        var lines = new Utf8LineReader(stream, validator.Rules.MaxRecordBytes);
        var pool = new TextPool();
        int[]? columnOrder = null;
        var orderIsCanonical = false;
        while (lines.ReadLine() is { } line)
        {
            if (columnOrder is null)
            {
                if (line.IsEmpty) continue;
                if (line.FirstIsComment && line.Number == 1) continue;
                columnOrder = ParseHeader(lines.Current, line.Number);
                orderIsCanonical = columnOrder.SequenceEqual(Enumerable.Range(0, TradeColumns.Count));
                continue;
            }
            if (line.IsEmpty) continue;
            TradeValidation result;
            if (line.Oversized)
                result = TradeValidation.Invalid($"the record is over {validator.Rules.MaxRecordBytes:N0} bytes, larger than the limit");
            else
                result = validator.ValidateCsvRecord(lines.Current, orderIsCanonical ? null : columnOrder, pool);
            yield return result.IsValid
                ? new TradeCsvRecord(line.Number, result.Trade, null, null)
                : new TradeCsvRecord(line.Number, null, result.Reason, lines.Current.ToArray());
        }
        if (columnOrder is null) throw new TradeCsvFormatException("the file has no header line (expected " + string.Join(",", TradeColumns.Names) + ")");
    }

    /// <summary>Writes the exchange layout: the comment line, the header, one line per trade (LF line ends).</summary>
    public static void Write(Stream stream, IEnumerable<Trade> trades, string comment)
    {
        using var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 1 << 16, leaveOpen: true) { NewLine = "\n" };
        writer.WriteLine("# " + comment.ReplaceLineEndings(" "));
        writer.WriteLine(string.Join(',', TradeColumns.Names));
        foreach (var trade in trades) writer.WriteLine(FormatRecord(trade));
    }

    public static void Write(string path, IEnumerable<Trade> trades, string comment)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1);
        Write(stream, trades, comment);
    }

    /// <summary>One CSV record (no line end); fields with a comma or quote are quoted.</summary>
    public static string FormatRecord(Trade trade) =>
        string.Join(',', TradeFormat.Fields(trade).Select(field => field.AsSpan().IndexOfAny(',', '"', '\n') < 0 ? field : "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""));

    private static int[] ParseHeader(ReadOnlySpan<byte> line, long lineNumber)
    {
        var names = Encoding.UTF8.GetString(line).TrimStart('\uFEFF').Split(',').Select(name => name.Trim().Trim('"')).ToArray();
        var order = new int[names.Length];
        for (var i = 0; i < names.Length; i++)
        {
            order[i] = TradeColumns.Names.ToList().FindIndex(column => column.Equals(names[i], StringComparison.OrdinalIgnoreCase));
            if (order[i] < 0) throw new TradeCsvFormatException($"line {lineNumber}: unknown column '{names[i]}' in the header (expected {string.Join(",", TradeColumns.Names)})");
            if (Array.IndexOf(order, order[i], 0, i) >= 0) throw new TradeCsvFormatException($"line {lineNumber}: column {names[i]} appears twice in the header");
        }
        var missing = TradeColumns.Names.Where((_, column) => !order.Contains(column)).ToList();
        if (missing.Count > 0) throw new TradeCsvFormatException($"line {lineNumber}: the header lacks column{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing)}");
        return order;
    }
}

/// <summary>
/// Splits a byte stream into lines (LF or CRLF) without decoding them. A line longer than the limit is skipped to
/// its end and reported as oversized, so one huge record cannot exhaust memory.
/// </summary>
internal sealed class Utf8LineReader(Stream stream, int maxLineBytes)
{
    private byte[] _buffer = new byte[Math.Max(1 << 20, maxLineBytes * 2 + 2)];
    private int _start, _end;
    private long _number;
    private bool _eof;
    private Range _current;

    public readonly record struct Line(long Number, bool IsEmpty, bool Oversized, bool FirstIsComment);

    /// <summary>The bytes of the last line read (the first bytes only when oversized), valid until the next read.</summary>
    public ReadOnlySpan<byte> Current => _buffer.AsSpan(_current);

    public Line? ReadLine()
    {
        var oversized = false;
        while (true)
        {
            var newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (newline >= 0 || (_eof && _end > _start))
            {
                var lineStart = _start;
                var lineEnd = newline >= 0 ? _start + newline : _end;
                var contentEnd = lineEnd > lineStart && _buffer[lineEnd - 1] == (byte)'\r' ? lineEnd - 1 : lineEnd;
                var tooLong = oversized || contentEnd - lineStart > maxLineBytes;
                _current = new Range(lineStart, tooLong ? Math.Min(contentEnd, lineStart + 1024) : contentEnd);
                _start = newline >= 0 ? lineEnd + 1 : _end;
                _number++;
                return new Line(_number, contentEnd == lineStart, tooLong, _number == 1 && contentEnd > lineStart && _buffer[lineStart] == (byte)'#');
            }
            if (_eof) return null;
            if (_end - _start > maxLineBytes)
            {
                // keep the first KB of the oversized line for the quarantine record, drop the rest until its end
                oversized = true;
                _end = _start + 1024;
            }
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
            var read = stream.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0) _eof = true;
            _end += read;
        }
    }
}
