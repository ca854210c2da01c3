using System.Text;
using Trades.Analytics;
using Trades.Validation;

namespace Trades.Csv;

/// <summary>
/// One record of a trades CSV: a valid trade or the reason it was rejected, and the line's bytes as read (without its
/// line end; the first KB of an oversized line).
/// </summary>
public sealed record TradeCsvRecord(long LineNumber, Trade? Trade, string? Reason, byte[] RawRecord)
{
    public bool IsValid => Trade is not null;
}

/// <summary>The file itself is unusable (no header, missing columns): nothing in it can be trusted.</summary>
public sealed class TradeCsvFormatException(string message) : Exception(message);

/// <summary>What <see cref="TradeCsv.Load(string, Analytics.TradeTable, Action{TradeCsvRecord}?, TradeValidator?)"/> read: valid rows added and invalid records skipped.</summary>
public readonly record struct TradeCsvLoad(long ValidRows, long InvalidRecords);

/// <summary>
/// Trades CSV in the exchange's layout: an optional first comment line (starting with '#'), the header, then one
/// record per line. Records go through <see cref="TradeValidator"/>, the same rules as the JSON messages.
/// </summary>
public static class TradeCsv
{
    /// <summary>Reads a file lazily; see <see cref="Read(Stream, TradeValidator?)"/>.</summary>
    public static IEnumerable<TradeCsvRecord> Read(string path, TradeValidator? validator = null)
    {
        var stream = Open(path);
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
        var records = new RecordReader(stream, validator.Rules.MaxRecordBytes);
        var pool = new TextPool();
        while (records.MoveNext())
        {
            var result = records.Oversized
                ? TradeValidation.Invalid(Oversized(validator))
                : validator.ValidateCsvRecord(records.Current, records.ColumnOrder, pool);
            yield return new TradeCsvRecord(records.LineNumber, result.Trade, result.Reason, records.Current.ToArray());
        }
    }

    /// <summary>
    /// Reads a whole file into <paramref name="table"/> with the rules of <see cref="Read(Stream, TradeValidator?)"/>
    /// but without a <see cref="Trade"/> or strings per row: the bulk path of `pipeline trades analyze`, which keeps
    /// 10M rows in well under 1 GB. Invalid records go to <paramref name="rejected"/> (same line numbers and reasons).
    /// </summary>
    public static TradeCsvLoad Load(Stream stream, TradeTable table, Action<TradeCsvRecord>? rejected = null, TradeValidator? validator = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        validator ??= TradeValidator.Default;
        var records = new RecordReader(stream, validator.Rules.MaxRecordBytes);
        var pool = new TextPool();
        long valid = 0, invalid = 0;
        while (records.MoveNext())
        {
            string? reason;
            if (records.Oversized) reason = Oversized(validator);
            else if (validator.TryParseCsvRecord(records.Current, records.ColumnOrder, pool, out var trade, out reason))
            {
                table.Add(trade.TradeId, trade.Side, table.ProductIndex(trade.Product, trade.DeliveryStart, trade.DeliveryEnd, trade.DeliveryArea),
                    trade.ExecutionTime.Ticks, trade.Price, trade.Volume);
                valid++;
                continue;
            }
            invalid++;
            rejected?.Invoke(new TradeCsvRecord(records.LineNumber, null, reason, records.Current.ToArray()));
        }
        return new TradeCsvLoad(valid, invalid);
    }

    /// <summary>Opens <paramref name="path"/> and loads it; see <see cref="Load(Stream, TradeTable, Action{TradeCsvRecord}?, TradeValidator?)"/>.</summary>
    public static TradeCsvLoad Load(string path, TradeTable table, Action<TradeCsvRecord>? rejected = null, TradeValidator? validator = null)
    {
        using var stream = Open(path);
        return Load(stream, table, rejected, validator);
    }

    private static string Oversized(TradeValidator validator) => $"the record is over {validator.Rules.MaxRecordBytes:N0} bytes, larger than the limit";

    private static FileStream Open(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new TradeCsvFormatException($"cannot read {path}: {error.Message}");
        }
    }

    /// <summary>
    /// The records of a file after its optional comment line and header; blank lines are skipped. Throws
    /// <see cref="TradeCsvFormatException"/> at the end when there was no usable header.
    /// </summary>
    private sealed class RecordReader(Stream stream, int maxRecordBytes)
    {
        private readonly Utf8LineReader _lines = new(stream, maxRecordBytes);
        private bool _header;

        /// <summary>Where each column of a record goes in the canonical order; null when it already is canonical.</summary>
        public int[]? ColumnOrder { get; private set; }

        public long LineNumber { get; private set; }

        public bool Oversized { get; private set; }

        /// <summary>The record's bytes, valid until the next <see cref="MoveNext"/>.</summary>
        public ReadOnlySpan<byte> Current => _lines.Current;

        public bool MoveNext()
        {
            while (_lines.ReadLine() is { } line)
            {
                if (line.IsEmpty) continue;
                if (!_header)
                {
                    if (line.FirstIsComment && line.Number == 1) continue;
                    var order = ParseHeader(_lines.Current, line.Number);
                    ColumnOrder = order.SequenceEqual(Enumerable.Range(0, TradeColumns.Count)) ? null : order;
                    _header = true;
                    continue;
                }
                LineNumber = line.Number;
                Oversized = line.Oversized;
                return true;
            }
            if (!_header) throw new TradeCsvFormatException("the file has no header line (expected " + string.Join(",", TradeColumns.Names) + ")");
            return false;
        }
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
