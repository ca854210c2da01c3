namespace Trades.Analytics;

/// <summary>
/// Trades held column by column for analysis, one row per TradeId: about 40 bytes a trade, so 10M trades fit in
/// well under 1 GB. Legs are merged as they arrive: the SELL leg wins, disagreeing legs and conflicting replays
/// become <see cref="DataQualityFinding"/>s. Not thread-safe.
/// </summary>
public sealed class TradeTable
{
    private readonly Dictionary<long, int> _rowOfTrade;
    private readonly Dictionary<FinancialProduct, int> _productIndex = [];
    private readonly List<FinancialProduct> _products = [];
    private readonly List<DataQualityFinding> _findings = [];
    private long[] _tradeIds;
    private int[] _product;
    private long[] _executionTicks;
    private double[] _price;
    private double[] _volume;
    private byte[] _legs; // bit 1: BUY seen, bit 2: SELL seen
    private FinancialProduct? _lastProduct;
    private int _lastProductIndex;

    public TradeTable(int capacity = 1024)
    {
        capacity = Math.Max(capacity, 16);
        _rowOfTrade = new Dictionary<long, int>(capacity);
        _tradeIds = new long[capacity];
        _product = new int[capacity];
        _executionTicks = new long[capacity];
        _price = new double[capacity];
        _volume = new double[capacity];
        _legs = new byte[capacity];
    }

    public static TradeTable From(IEnumerable<Trade> trades)
    {
        var table = new TradeTable(trades.TryGetNonEnumeratedCount(out var count) ? count : 1024);
        foreach (var trade in trades) table.Add(trade);
        return table;
    }

    /// <summary>Distinct trades held.</summary>
    public int Count { get; private set; }

    /// <summary>Rows added, legs and replays included.</summary>
    public long Rows { get; private set; }

    public long DuplicateRows { get; private set; }

    public IReadOnlyList<FinancialProduct> Products => _products;

    public IReadOnlyList<DataQualityFinding> Findings => _findings;

    internal ReadOnlySpan<long> TradeIds => _tradeIds.AsSpan(0, Count);
    internal ReadOnlySpan<int> ProductOfRow => _product.AsSpan(0, Count);
    internal ReadOnlySpan<long> ExecutionTicks => _executionTicks.AsSpan(0, Count);
    internal ReadOnlySpan<double> Prices => _price.AsSpan(0, Count);
    internal ReadOnlySpan<double> Volumes => _volume.AsSpan(0, Count);

    public void Add(Trade trade)
    {
        ArgumentNullException.ThrowIfNull(trade);
        Add(trade.TradeId, trade.Side, ProductIndex(trade.Product, trade.DeliveryStart, trade.DeliveryEnd, trade.DeliveryArea),
            trade.ExecutionTime.Ticks, (double)trade.Price, (double)trade.Volume);
    }

    /// <summary>The index of a financial product, registering it on first use.</summary>
    public int ProductIndex(string product, DateTime deliveryStart, DateTime deliveryEnd, string deliveryArea)
    {
        var last = _lastProduct;
        if (last is not null && last.DeliveryStart == deliveryStart && last.DeliveryEnd == deliveryEnd
            && ReferenceEquals(last.Product, product) && ReferenceEquals(last.DeliveryArea, deliveryArea)) return _lastProductIndex;
        var key = new FinancialProduct(product, deliveryStart, deliveryEnd, deliveryArea);
        if (!_productIndex.TryGetValue(key, out var index))
        {
            index = _products.Count;
            _products.Add(key);
            _productIndex.Add(key, index);
        }
        _lastProduct = key;
        _lastProductIndex = index;
        return index;
    }

    /// <summary>Adds one leg in columnar form (the fast path: no Trade object needed).</summary>
    public void Add(long tradeId, TradeSide side, int product, long executionTicks, double price, double volume)
    {
        if ((uint)product >= (uint)_products.Count) throw new ArgumentOutOfRangeException(nameof(product), product, "register the product with ProductIndex first");
        Rows++;
        var leg = side == TradeSide.Buy ? (byte)1 : (byte)2;
        ref var row = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_rowOfTrade, tradeId, out var exists);
        if (!exists)
        {
            if (Count == _tradeIds.Length) Grow();
            row = Count++;
            Set(row, tradeId, product, executionTicks, price, volume, leg);
            return;
        }

        var agrees = _price[row] == price && _volume[row] == volume && _product[row] == product;
        if ((_legs[row] & leg) != 0)
        {
            DuplicateRows++;
            if (!agrees) _findings.Add(new DataQualityFinding(tradeId, DataQualityFinding.ConflictingDuplicate, $"{(side == TradeSide.Buy ? "BUY" : "SELL")} leg replayed with {Describe(product, price, volume)}, first seen with {Describe(_product[row], _price[row], _volume[row])}; kept the first"));
            return;
        }
        if (!agrees)
        {
            var (sell, buy) = side == TradeSide.Sell ? ((product, price, volume), (_product[row], _price[row], _volume[row])) : ((_product[row], _price[row], _volume[row]), (product, price, volume));
            _findings.Add(new DataQualityFinding(tradeId, DataQualityFinding.LegMismatch, $"SELL leg has {Describe(sell.Item1, sell.Item2, sell.Item3)}, BUY leg has {Describe(buy.Item1, buy.Item2, buy.Item3)}; used the SELL leg"));
        }
        if (side == TradeSide.Sell) Set(row, tradeId, product, executionTicks, price, volume, (byte)(_legs[row] | leg));
        else _legs[row] |= leg;
    }

    private string Describe(int product, double price, double volume) =>
        FormattableString.Invariant($"price {price}, volume {volume}") + (product == -1 ? "" : $" ({_products[product]})");

    private void Set(int row, long tradeId, int product, long executionTicks, double price, double volume, byte legs)
    {
        _tradeIds[row] = tradeId;
        _product[row] = product;
        _executionTicks[row] = executionTicks;
        _price[row] = price;
        _volume[row] = volume;
        _legs[row] = legs;
    }

    private void Grow()
    {
        var size = _tradeIds.Length * 2;
        Array.Resize(ref _tradeIds, size);
        Array.Resize(ref _product, size);
        Array.Resize(ref _executionTicks, size);
        Array.Resize(ref _price, size);
        Array.Resize(ref _volume, size);
        Array.Resize(ref _legs, size);
    }
}
