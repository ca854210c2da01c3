using System.Runtime.InteropServices;
using Formats.Lake;
using Column = Trades.Export.ParquetColumn<Trades.Trade>;

namespace Trades.Export;

/// <summary>The legs of one trades file: one delivery day (market time) in one area, sorted as the file lists them.</summary>
internal sealed class TradePartition(DateOnly deliveryDate, string deliveryArea)
{
    public DateOnly DeliveryDate => deliveryDate;

    public string DeliveryArea => deliveryArea;

    public List<Trade> Trades { get; } = [];

    public string RelativePath => $"{Dataset.Folder(DeliveryDate, DeliveryArea)}data_0.parquet";

    /// <summary>The trades table as the lake's catalog lists it (the file also holds its partition's area and day).</summary>
    public static LakeDataset Dataset { get; } = new("trades", "Validated trade legs, one file per delivery day and area",
        "trades/deliveryDate={deliveryDate}/deliveryArea={deliveryArea}/", Layout(default).Schema.GetDataFields());

    /// <summary>Splits the trades by (delivery day, area); partitions in file order (day, then area ordinal).</summary>
    public static List<TradePartition> Group(IEnumerable<Trade> trades, CancellationToken cancellationToken)
    {
        var partitions = new Dictionary<(DateOnly Day, string Area), TradePartition>();
        var deliveryDays = new Dictionary<DateTime, DateOnly>();
        TradePartition? last = null;
        var seen = 0;
        foreach (var trade in trades)
        {
            if ((++seen & 0xFFFF) == 0) cancellationToken.ThrowIfCancellationRequested();
            if (!deliveryDays.TryGetValue(trade.DeliveryStart, out var day))
                deliveryDays[trade.DeliveryStart] = day = MarketTime.DeliveryDate(trade.DeliveryStart);
            if (last is null || last.DeliveryDate != day || !string.Equals(last.DeliveryArea, trade.DeliveryArea, StringComparison.Ordinal))
            {
                if (!partitions.TryGetValue((day, trade.DeliveryArea), out last))
                    partitions[(day, trade.DeliveryArea)] = last = new TradePartition(day, trade.DeliveryArea);
            }
            last.Trades.Add(trade);
        }
        return [.. partitions.Values.OrderBy(p => p.DeliveryDate).ThenBy(p => p.DeliveryArea, StringComparer.Ordinal)];
    }

    /// <summary>Puts the legs in file order and writes them to a new Parquet file at <paramref name="path"/>.</summary>
    public Task WriteAsync(string path, CancellationToken cancellationToken)
    {
        Sort();
        return Layout(DeliveryDate).WriteAsync(path, Trades, cancellationToken);
    }

    /// <summary>
    /// The columns of a trades file, in file order: every field of the leg, camelCase, and the delivery day (one value per
    /// file). The low-cardinality text columns are dictionary-encoded.
    /// </summary>
    public static ParquetTable<Trade> Layout(DateOnly deliveryDate) => new(
        Column.Int64("tradeId", t => t.TradeId),
        Column.Text("remoteTradeId", t => t.RemoteTradeId),
        Column.Text("side", t => TradeFormat.Side(t.Side), dictionary: true),
        Column.Text("product", t => t.Product, dictionary: true),
        Column.Timestamp("deliveryStart", t => t.DeliveryStart),
        Column.Timestamp("deliveryEnd", t => t.DeliveryEnd),
        Column.Timestamp("executionTime", t => t.ExecutionTime),
        Column.Text("deliveryArea", t => t.DeliveryArea, dictionary: true),
        Column.Text("tradePhase", t => t.TradePhase, dictionary: true),
        Column.Text("userDefinedBlock", t => t.UserDefinedBlock, dictionary: true),
        Column.Text("selfTrade", t => t.SelfTrade, dictionary: true),
        Column.Decimal("price", TradeDecimals.Precision, TradeDecimals.Scale, t => t.Price),
        Column.Text("currency", t => t.Currency, dictionary: true),
        Column.Decimal("volume", TradeDecimals.Precision, TradeDecimals.Scale, t => t.Volume),
        Column.Text("volumeUnit", t => t.VolumeUnit, dictionary: true),
        Column.Int64("orderId", t => t.OrderId),
        Column.Date("deliveryDate", _ => deliveryDate));

    /// <summary>
    /// Puts the legs in file order: execution time, TradeId, side with BUY before SELL. Legs usually arrive almost in
    /// file order (the generator and the store emit execution-time order, a trade's SELL leg before its BUY leg), where
    /// an insertion sort is linear; past a budget of moves a general sort takes over.
    /// </summary>
    public void Sort()
    {
        var rows = CollectionsMarshal.AsSpan(Trades);
        var budget = 4L * rows.Length + 64;
        for (var i = 1; i < rows.Length; i++)
        {
            var row = rows[i];
            var j = i - 1;
            for (; j >= 0 && Compare(rows[j], row) > 0; j--)
            {
                if (--budget < 0)
                {
                    rows[j + 1] = row; // close the gap the shifting left
                    rows.Sort(Compare);
                    return;
                }
                rows[j + 1] = rows[j];
            }
            rows[j + 1] = row;
        }
    }

    private static int Compare(Trade a, Trade b)
    {
        var order = a.ExecutionTime.CompareTo(b.ExecutionTime);
        if (order == 0) order = a.TradeId.CompareTo(b.TradeId);
        return order != 0 ? order : a.Side.CompareTo(b.Side); // Buy < Sell, as "BUY" < "SELL"
    }
}
