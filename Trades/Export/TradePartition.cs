using System.Runtime.InteropServices;
using DuckDb;

namespace Trades.Export;

/// <summary>The legs of one trades file: one delivery day (market time) in one area, sorted as the file lists them.</summary>
internal sealed class TradePartition(int day, string deliveryArea)
{
    /// <summary>DuckDB DATE of the delivery day (days since the Unix epoch).</summary>
    public int Day => day;

    public DateOnly DeliveryDate => DateOnly.FromDayNumber(DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber + day);

    public string DeliveryArea => deliveryArea;

    public List<Trade> Trades { get; } = [];

    public string RelativePath => $"trades/deliveryDate={DeliveryDate:yyyy-MM-dd}/deliveryArea={Uri.EscapeDataString(deliveryArea)}/data_0.parquet";

    /// <summary>Splits the trades by (delivery day, area); partitions in file order (day, then area ordinal).</summary>
    public static List<TradePartition> Group(IEnumerable<Trade> trades, CancellationToken cancellationToken)
    {
        var partitions = new Dictionary<(int Day, string Area), TradePartition>();
        var deliveryDays = new Dictionary<DateTime, int>();
        TradePartition? last = null;
        var seen = 0;
        foreach (var trade in trades)
        {
            if ((++seen & 0xFFFF) == 0) cancellationToken.ThrowIfCancellationRequested();
            if (!deliveryDays.TryGetValue(trade.DeliveryStart, out var day))
                deliveryDays[trade.DeliveryStart] = day = ParquetTable.Days(MarketTime.DeliveryDate(trade.DeliveryStart));
            if (last is null || last.Day != day || !string.Equals(last.DeliveryArea, trade.DeliveryArea, StringComparison.Ordinal))
            {
                if (!partitions.TryGetValue((day, trade.DeliveryArea), out last))
                    partitions[(day, trade.DeliveryArea)] = last = new TradePartition(day, trade.DeliveryArea);
            }
            last.Trades.Add(trade);
        }
        return [.. partitions.Values.OrderBy(p => p.Day).ThenBy(p => p.DeliveryArea, StringComparer.Ordinal)];
    }

    /// <summary>The distinct values of each text column (<see cref="Text"/>), sorted ordinally; set by <see cref="Prepare"/>.</summary>
    public string[][] TextValues { get; private set; } = [];

    /// <summary>
    /// Puts the legs in file order (execution time, TradeId, side with BUY before SELL) and collects the text columns'
    /// values, in one pass: the legs are objects spread over the heap, so each pass over them costs memory bandwidth.
    /// Legs usually arrive almost in file order (the generator and the store emit execution-time order, a trade's SELL
    /// leg before its BUY leg), where an insertion sort is linear; past a budget of moves a general sort takes over.
    /// </summary>
    public void Prepare()
    {
        var texts = new DistinctText[TextColumns.Length];
        for (var text = 0; text < texts.Length; text++) texts[text] = new DistinctText();
        var rows = CollectionsMarshal.AsSpan(Trades);
        var budget = 4L * rows.Length + 64;
        for (var i = 0; i < rows.Length; i++)
        {
            var row = rows[i];
            for (var text = 0; text < texts.Length; text++) texts[text].Add(Text(row, text));
            var j = i - 1;
            for (; j >= 0 && Compare(rows[j], row) > 0; j--)
            {
                if (--budget < 0)
                {
                    rows[j + 1] = row; // close the gap the shifting left
                    foreach (var rest in rows[(i + 1)..])
                        for (var text = 0; text < texts.Length; text++) texts[text].Add(Text(rest, text));
                    rows.Sort(Compare);
                    TextValues = [.. texts.Select(t => t.Sorted())];
                    return;
                }
                rows[j + 1] = rows[j];
            }
            rows[j + 1] = row;
        }
        TextValues = [.. texts.Select(t => t.Sorted())];
    }

    /// <summary>The low-cardinality text columns: their index among the file's columns and their name; values from <see cref="Text"/>.</summary>
    public static readonly (int Column, string Name)[] TextColumns =
        [(2, "side"), (3, "product"), (7, "deliveryArea"), (8, "tradePhase"), (9, "userDefinedBlock"), (10, "selfTrade"), (12, "currency"), (14, "volumeUnit")];

    public static string Text(Trade trade, int text) => text switch
    {
        0 => TradeFormat.Side(trade.Side),
        1 => trade.Product,
        2 => trade.DeliveryArea,
        3 => trade.TradePhase,
        4 => trade.UserDefinedBlock,
        5 => trade.SelfTrade,
        6 => trade.Currency,
        _ => trade.VolumeUnit,
    };

    private static int Compare(Trade a, Trade b)
    {
        var order = a.ExecutionTime.CompareTo(b.ExecutionTime);
        if (order == 0) order = a.TradeId.CompareTo(b.TradeId);
        return order != 0 ? order : a.Side.CompareTo(b.Side); // Buy < Sell, as "BUY" < "SELL"
    }

    // most text columns hold one shared string instance (the generator, the CSV loader): compare with the last reference first
    private sealed class DistinctText
    {
        private readonly HashSet<string> _values = new(StringComparer.Ordinal);
        private string? _last;

        public void Add(string value)
        {
            if (ReferenceEquals(value, _last)) return;
            _last = value;
            _values.Add(value);
        }

        public string[] Sorted() => [.. _values.Order(StringComparer.Ordinal)];
    }
}

/// <summary>
/// A partition's rows as DuckDB pulls them for its Parquet writer (table function, so they are never stored in a
/// DuckDB table). The low-cardinality text columns are ENUMs of the partition's own values, sorted: DuckDB writes an
/// ENUM's dictionary directly instead of hashing every string (VARCHAR columns were half of the encoding time), the
/// file still has plain UTF-8 string columns, and with only the values present the statistics stay exact.
/// </summary>
internal sealed class TradeRows : IDuckDbRowSource
{
    // column order of the files; the text columns are TradePartition.TextColumns
    private const int TradeId = 0, RemoteTradeId = 1, DeliveryStart = 4, DeliveryEnd = 5, ExecutionTime = 6, Price = 11, Volume = 13, OrderId = 15, DeliveryDate = 16;
    private static readonly (int Column, string Name)[] TextColumns = TradePartition.TextColumns;

    private readonly TradePartition _partition;
    private readonly EnumCodes[] _texts;
    private readonly int[] _varying; // text columns with more than one value in this partition; the others are all member 0
    private readonly int[][] _codes;
    private int _next;

    /// <summary>Rows of a partition after <see cref="TradePartition.Prepare"/>.</summary>
    public TradeRows(TradePartition partition)
    {
        _partition = partition;
        _texts = [.. partition.TextValues.Select(values => new EnumCodes(values))];
        _varying = [.. Enumerable.Range(0, _texts.Length).Where(text => _texts[text].Count > 1)];
        _codes = [.. _texts.Select(_ => new int[DuckDbDataChunk.Capacity])];
        var columns = new DuckDbColumn[17];
        columns[TradeId] = new("tradeId", DuckDbType.BigInt);
        columns[RemoteTradeId] = new("remoteTradeId", DuckDbType.Varchar);
        columns[DeliveryStart] = new("deliveryStart", DuckDbType.Timestamp);
        columns[DeliveryEnd] = new("deliveryEnd", DuckDbType.Timestamp);
        columns[ExecutionTime] = new("executionTime", DuckDbType.Timestamp);
        columns[Price] = new("price", DuckDbType.Double);
        columns[Volume] = new("volume", DuckDbType.Double);
        columns[OrderId] = new("orderId", DuckDbType.BigInt);
        columns[DeliveryDate] = new("deliveryDate", DuckDbType.Date);
        for (var text = 0; text < TextColumns.Length; text++) columns[TextColumns[text].Column] = DuckDbColumn.Enum(TextColumns[text].Name, partition.TextValues[text]);
        Columns = columns;
    }

    public IReadOnlyList<DuckDbColumn> Columns { get; }

    public int Fill(DuckDbDataChunk chunk)
    {
        var rows = Math.Min(DuckDbDataChunk.Capacity, _partition.Trades.Count - _next);
        var trades = CollectionsMarshal.AsSpan(_partition.Trades).Slice(_next, rows);
        var tradeIds = chunk.GetValues<long>(TradeId);
        var starts = chunk.GetValues<long>(DeliveryStart);
        var ends = chunk.GetValues<long>(DeliveryEnd);
        var executions = chunk.GetValues<long>(ExecutionTime);
        var prices = chunk.GetValues<double>(Price);
        var volumes = chunk.GetValues<double>(Volume);
        var orderIds = chunk.GetValues<long>(OrderId);
        for (var row = 0; row < trades.Length; row++)
        {
            var trade = trades[row];
            tradeIds[row] = trade.TradeId;
            chunk.SetString(RemoteTradeId, row, trade.RemoteTradeId);
            starts[row] = ParquetTable.Micros(trade.DeliveryStart);
            ends[row] = ParquetTable.Micros(trade.DeliveryEnd);
            executions[row] = ParquetTable.Micros(trade.ExecutionTime);
            prices[row] = (double)trade.Price;
            volumes[row] = (double)trade.Volume;
            orderIds[row] = trade.OrderId;
            foreach (var text in _varying) _codes[text][row] = _texts[text].Code(TradePartition.Text(trade, text));
        }
        chunk.GetValues<int>(DeliveryDate)[..rows].Fill(_partition.Day);
        for (var text = 0; text < _texts.Length; text++) WriteCodes(chunk, TextColumns[text].Column, _codes[text].AsSpan(0, rows), _texts[text].Count);
        _next += rows;
        return rows;
    }

    // an ENUM vector holds member indexes in the narrowest unsigned type for the member count
    private static void WriteCodes(DuckDbDataChunk chunk, int column, ReadOnlySpan<int> codes, int members)
    {
        if (members <= byte.MaxValue)
        {
            var values = chunk.GetValues<byte>(column);
            for (var i = 0; i < codes.Length; i++) values[i] = (byte)codes[i];
        }
        else if (members <= ushort.MaxValue)
        {
            var values = chunk.GetValues<ushort>(column);
            for (var i = 0; i < codes.Length; i++) values[i] = (ushort)codes[i];
        }
        else
        {
            MemoryMarshal.Cast<int, uint>(codes).CopyTo(chunk.GetValues<uint>(column));
        }
    }

    /// <summary>
    /// A text column's member indexes. Rows from the generator or the CSV loader share string instances, so a few recent
    /// instances are compared by reference before any string is hashed.
    /// </summary>
    private sealed class EnumCodes(string[] members)
    {
        private readonly Dictionary<string, int> _codes = members.Index().ToDictionary(m => m.Item, m => m.Index, StringComparer.Ordinal);
        private readonly string?[] _recent = new string?[4];
        private readonly int[] _recentCodes = new int[4];
        private int _replace;

        public int Count => members.Length;

        public int Code(string value)
        {
            for (var i = 0; i < _recent.Length; i++)
                if (ReferenceEquals(_recent[i], value)) return _recentCodes[i];
            var code = _codes[value];
            _recent[_replace] = value;
            _recentCodes[_replace] = code;
            _replace = (_replace + 1) % _recent.Length;
            return code;
        }
    }
}
