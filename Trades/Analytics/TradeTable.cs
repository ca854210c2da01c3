using System.Runtime.CompilerServices;

namespace Trades.Analytics;

/// <summary>
/// Trades held column by column for analysis, one row per TradeId: 53 bytes a trade plus a 4-byte-per-slot index,
/// so 10M trades fit in about 650 MB. Prices and volumes are kept as the decimals they were received as, so sums and
/// extremes are exact. Legs are merged as they arrive: the SELL leg wins, disagreeing legs and
/// conflicting replays become <see cref="DataQualityFinding"/>s. Not thread-safe.
/// </summary>
/// <remarks>
/// Built for tens of millions of rows: TradeIds are found through an open-addressing index over the TradeId column
/// (no per-entry objects, one probe for sequential ids), and a product's key is two small interned-name ids and two
/// tick counts, so registering a product costs no allocation or string hashing.
/// </remarks>
public sealed class TradeTable
{
    private readonly ProductCatalog _catalog = new();
    private readonly List<DataQualityFinding> _findings = [];
    private long[] _tradeIds;
    private int[] _product;
    private long[] _executionTicks;
    private decimal[] _price;
    private decimal[] _volume;
    private byte[] _legs; // bit 1: BUY seen, bit 2: SELL seen
    private int[] _slots; // row + 1 of the TradeId hashed to the slot, 0 when free; at most half full

    public TradeTable(int capacity = 1024)
    {
        capacity = Math.Max(capacity, 16);
        _tradeIds = new long[capacity];
        _product = new int[capacity];
        _executionTicks = new long[capacity];
        _price = new decimal[capacity];
        _volume = new decimal[capacity];
        _legs = new byte[capacity];
        _slots = new int[SlotsFor(capacity)];
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

    /// <summary>Products in order of first appearance; a row's product is an index into this list.</summary>
    public IReadOnlyList<FinancialProduct> Products => _catalog.Products;

    public IReadOnlyList<DataQualityFinding> Findings => _findings;

    internal ReadOnlySpan<long> TradeIds => _tradeIds.AsSpan(0, Count);
    internal ReadOnlySpan<int> ProductOfRow => _product.AsSpan(0, Count);
    internal ReadOnlySpan<long> ExecutionTicks => _executionTicks.AsSpan(0, Count);
    internal ReadOnlySpan<decimal> Prices => _price.AsSpan(0, Count);
    internal ReadOnlySpan<decimal> Volumes => _volume.AsSpan(0, Count);

    public void Add(Trade trade)
    {
        ArgumentNullException.ThrowIfNull(trade);
        Add(trade.TradeId, trade.Side, ProductIndex(trade.Product, trade.DeliveryStart, trade.DeliveryEnd, trade.DeliveryArea),
            trade.ExecutionTime.Ticks, trade.Price, trade.Volume);
    }

    /// <summary>The index of a financial product, registering it on first use.</summary>
    public int ProductIndex(string product, DateTime deliveryStart, DateTime deliveryEnd, string deliveryArea) =>
        _catalog.IndexOf(product, deliveryStart, deliveryEnd, deliveryArea);

    /// <summary>Adds one leg in columnar form (the fast path: no Trade object needed).</summary>
    public void Add(long tradeId, TradeSide side, int product, long executionTicks, decimal price, decimal volume)
    {
        if ((uint)product >= (uint)_catalog.Products.Count) throw new ArgumentOutOfRangeException(nameof(product), product, "register the product with ProductIndex first");
        Rows++;
        var leg = side == TradeSide.Buy ? (byte)1 : (byte)2;
        if (Count == _tradeIds.Length) Grow();
        var mask = _slots.Length - 1;
        var slot = Slot(tradeId) & mask;
        int row;
        while (true)
        {
            var entry = _slots[slot];
            if (entry == 0)
            {
                row = Count++;
                _slots[slot] = row + 1;
                Set(row, tradeId, product, executionTicks, price, volume, leg);
                return;
            }
            if (_tradeIds[entry - 1] == tradeId)
            {
                row = entry - 1;
                break;
            }
            slot = (slot + 1) & mask;
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

    /// <summary>
    /// Exchange TradeIds are sequential, so eight consecutive ids share a run of slots (one cache line) while the
    /// groups of eight are scattered by Fibonacci hashing, which keeps linear probing free of long clusters.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Slot(long tradeId) =>
        (int)((((ulong)tradeId >> 3) * 0x9E3779B97F4A7C15UL >> 29) & ~7UL | ((ulong)tradeId & 7));

    private static int SlotsFor(int capacity) => (int)Math.Min(1L << 30, 2L * System.Numerics.BitOperations.RoundUpToPowerOf2((uint)capacity));

    private string Describe(int product, decimal price, decimal volume) =>
        FormattableString.Invariant($"price {price}, volume {volume}") + (product == -1 ? "" : $" ({_catalog.Products[product]})");

    private void Set(int row, long tradeId, int product, long executionTicks, decimal price, decimal volume, byte legs)
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
        var size = (int)Math.Min(Array.MaxLength, (long)_tradeIds.Length * 2);
        Array.Resize(ref _tradeIds, size);
        Array.Resize(ref _product, size);
        Array.Resize(ref _executionTicks, size);
        Array.Resize(ref _price, size);
        Array.Resize(ref _volume, size);
        Array.Resize(ref _legs, size);
        var slots = SlotsFor(size);
        if (slots == _slots.Length) return;
        _slots = new int[slots];
        var mask = slots - 1;
        for (var row = 0; row < Count; row++)
        {
            var slot = Slot(_tradeIds[row]) & mask;
            while (_slots[slot] != 0) slot = (slot + 1) & mask;
            _slots[slot] = row + 1;
        }
    }

    /// <summary>
    /// Financial products by value, keyed without allocation: Product and DeliveryArea become small ids (found by
    /// reference first, since readers and generators share a few string instances), the delivery period stays ticks.
    /// </summary>
    private sealed class ProductCatalog
    {
        private readonly List<FinancialProduct> _products = [];
        private readonly Dictionary<Key, int> _index = [];
        private readonly Names _names = new(), _areas = new();

        public List<FinancialProduct> Products => _products;

        public int IndexOf(string product, DateTime deliveryStart, DateTime deliveryEnd, string deliveryArea)
        {
            var key = new Key(_names.IdOf(product), _areas.IdOf(deliveryArea), deliveryStart.Ticks, deliveryEnd.Ticks);
            ref var index = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_index, key, out var exists);
            if (!exists)
            {
                index = _products.Count;
                _products.Add(new FinancialProduct(_names[key.Name], deliveryStart, deliveryEnd, _areas[key.Area]));
            }
            return index;
        }

        private readonly record struct Key(int Name, int Area, long Start, long End)
        {
            public override int GetHashCode()
            {
                var h = (ulong)Start * 0x9E3779B97F4A7C15UL ^ (ulong)End * 0xC2B2AE3D27D4EB4FUL ^ (ulong)(Name * 31 + Area) * 0x165667B19E3779F9UL;
                return (int)(h ^ (h >> 32));
            }
        }

        /// <summary>Distinct strings to ids; the last strings seen are matched by reference before hashing.</summary>
        private sealed class Names
        {
            private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
            private readonly List<string> _values = [];
            private readonly string?[] _recent = new string?[8];
            private readonly int[] _recentIds = new int[8];
            private int _next;

            public string this[int id] => _values[id];

            public int IdOf(string value)
            {
                for (var i = 0; i < _recent.Length; i++)
                    if (ReferenceEquals(_recent[i], value)) return _recentIds[i];
                if (!_ids.TryGetValue(value, out var id))
                {
                    id = _values.Count;
                    _values.Add(value);
                    _ids.Add(value, id);
                }
                _recent[_next] = value;
                _recentIds[_next] = id;
                _next = (_next + 1) % _recent.Length;
                return id;
            }
        }
    }
}
