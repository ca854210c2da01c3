namespace Trades.Analytics;

/// <summary>
/// The one implementation of the trade analytics, used by `pipeline trades analyze` and by the workflow activities:
/// statistics per financial product, top products by volume, price anomalies.
/// </summary>
public static class TradeAnalytics
{
    /// <summary>Scale factor that makes the MAD a consistent estimator of the standard deviation for normal data.</summary>
    public const double MadToZ = 0.6745;

    /// <summary>Same for the mean absolute deviation, used when the MAD is zero (IBM SPSS / Iglewicz–Hoaglin practice).</summary>
    public const double MeanAbsoluteDeviationScale = 1.253314;

    /// <summary>Streams the trades into a columnar <see cref="TradeTable"/> (legs merged per TradeId) and analyzes it.</summary>
    public static AnalysisResult Analyze(IEnumerable<Trade> trades, AnalysisOptions? options = null) =>
        Analyze(TradeTable.From(trades), options);

    public static AnalysisResult Analyze(TradeTable table, AnalysisOptions? options = null)
    {
        options ??= new AnalysisOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(options.TopCount);
        var productCount = table.Products.Count;

        // group rows by product with a counting sort: offsets[p]..offsets[p+1] in `order` are product p's rows
        var offsets = new int[productCount + 1];
        foreach (var product in table.ProductOfRow) offsets[product + 1]++;
        for (var p = 0; p < productCount; p++) offsets[p + 1] += offsets[p];
        var order = new int[table.Count];
        var next = offsets[..^1];
        var products = table.ProductOfRow;
        for (var row = 0; row < products.Length; row++) order[next[products[row]]++] = row;

        var stats = new ProductStats[productCount];
        var anomalies = new List<PriceAnomaly>?[productCount];
        var unscored = 0;
        var method = AnalysisOptions.Name(options.Method);
        Parallel.For(0, productCount, () => new Scratch(), (p, _, scratch) =>
        {
            // gather the product's rows once so every pass below reads contiguous memory
            var rows = order.AsSpan(offsets[p], offsets[p + 1] - offsets[p]);
            scratch.Gather(table, rows);
            var prices = scratch.Prices(rows.Length);
            var volumes = scratch.Volumes(rows.Length);
            stats[p] = Statistics(table.Products[p], prices, volumes);
            anomalies[p] = options.Method == AnomalyMethod.Robust
                ? Robust(table, stats[p], rows, prices, options, method, scratch, ref unscored)
                : RelativeToMean(table, stats[p], rows, prices, options, method);
            return scratch;
        }, _ => { });

        var ordered = Enumerable.Range(0, productCount).Order(Comparer<int>.Create((a, b) => CompareProducts(stats[a], stats[b]))).ToArray();
        return new AnalysisResult
        {
            ProductStats = [.. ordered.Select(p => stats[p])],
            TopProducts = Rank(stats, options.TopCount),
            Anomalies = [.. ordered.Where(p => anomalies[p] is not null).SelectMany(p => anomalies[p]!.OrderBy(a => a.ExecutionTime).ThenBy(a => a.TradeId))],
            Findings = table.Findings,
            Rows = table.Rows,
            DistinctTrades = table.Count,
            DuplicateRows = table.DuplicateRows,
            UnscoredProducts = unscored,
        };
    }

    /// <summary>
    /// Top products by total volume, overall and per (delivery day, area). Ties are broken by, in order: more trades,
    /// earlier DeliveryStart, earlier DeliveryEnd, DeliveryArea and Product (ordinal). Volumes are compared rounded to
    /// 1e-6 MW so sums that differ only by floating-point rounding count as ties.
    /// </summary>
    public static IReadOnlyList<TopProduct> Rank(IReadOnlyList<ProductStats> stats, int topCount)
    {
        var comparer = Comparer<ProductStats>.Create(CompareByVolume);
        var result = new List<TopProduct>();
        result.AddRange(stats.Order(comparer).Take(topCount).Select((s, i) => ToTop(s, TopProduct.OverallScope, i + 1)));
        foreach (var group in stats.GroupBy(s => (Day: s.FinancialProduct.DeliveryDate, s.DeliveryArea)).OrderBy(g => g.Key.Day).ThenBy(g => g.Key.DeliveryArea, StringComparer.Ordinal))
            result.AddRange(group.Order(comparer).Take(topCount).Select((s, i) => ToTop(s, TopProduct.DayAreaScope, i + 1)));
        return result;

        static TopProduct ToTop(ProductStats s, string scope, int rank) => new()
        {
            Scope = scope,
            DeliveryDate = s.FinancialProduct.DeliveryDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            Rank = rank,
            Product = s.Product,
            DeliveryStart = s.DeliveryStart,
            DeliveryEnd = s.DeliveryEnd,
            DeliveryArea = s.DeliveryArea,
            TradeCount = s.TradeCount,
            AvgPrice = s.AvgPrice,
            Vwap = s.Vwap,
            AvgVolume = s.AvgVolume,
            TotalVolume = s.TotalVolume,
            MinPrice = s.MinPrice,
            MaxPrice = s.MaxPrice,
            StddevPrice = s.StddevPrice,
        };
    }

    private static int CompareByVolume(ProductStats a, ProductStats b)
    {
        var byVolume = Math.Round(b.TotalVolume, 6).CompareTo(Math.Round(a.TotalVolume, 6));
        if (byVolume != 0) return byVolume;
        var byCount = b.TradeCount.CompareTo(a.TradeCount);
        return byCount != 0 ? byCount : CompareProducts(a, b);
    }

    private static int CompareProducts(ProductStats a, ProductStats b)
    {
        var c = string.CompareOrdinal(a.DeliveryArea, b.DeliveryArea);
        if (c == 0) c = a.DeliveryStart.CompareTo(b.DeliveryStart);
        if (c == 0) c = a.DeliveryEnd.CompareTo(b.DeliveryEnd);
        if (c == 0) c = string.CompareOrdinal(a.Product, b.Product);
        return c;
    }

    /// <summary>Statistics over one product's prices and volumes, in row order (so sums are reproducible).</summary>
    private static ProductStats Statistics(FinancialProduct product, ReadOnlySpan<double> prices, ReadOnlySpan<double> volumes)
    {
        double sumPrice = 0, sumVolume = 0, sumPriceVolume = 0, min = double.MaxValue, max = double.MinValue;
        for (var i = 0; i < prices.Length; i++)
        {
            var price = prices[i];
            var volume = volumes[i];
            sumPrice += price;
            sumVolume += volume;
            sumPriceVolume += price * volume;
            if (price < min) min = price;
            if (price > max) max = price;
        }
        var n = prices.Length;
        var mean = sumPrice / n;
        double? stddev = null;
        if (n > 1)
        {
            // two passes (not Σx² − n·mean²), and exactly 0 when all prices are equal
            var squares = 0.0;
            if (min != max)
                foreach (var price in prices) squares += (price - mean) * (price - mean);
            stddev = Math.Sqrt(squares / (n - 1));
        }
        return new ProductStats
        {
            Product = product.Product,
            DeliveryStart = product.DeliveryStart,
            DeliveryEnd = product.DeliveryEnd,
            DeliveryArea = product.DeliveryArea,
            TradeCount = n,
            AvgPrice = min == max ? min : mean,
            Vwap = sumPriceVolume / sumVolume,
            AvgVolume = sumVolume / n,
            TotalVolume = sumVolume,
            MinPrice = min,
            MaxPrice = max,
            StddevPrice = stddev,
        };
    }

    /// <summary>
    /// Modified z-score z = 0.6745·(price − median)/MAD; |z| > threshold is an anomaly. Fallbacks: MAD = 0 (more than
    /// half the trades at one price) uses the mean absolute deviation, z = (price − median)/(1.253314·MeanAD); both
    /// zero means every price is equal and nothing is anomalous. Products with fewer than RobustMinTrades trades are
    /// not scored.
    /// </summary>
    private static List<PriceAnomaly>? Robust(TradeTable table, ProductStats stats, ReadOnlySpan<int> rows, ReadOnlySpan<double> prices, AnalysisOptions options, string method, Scratch scratch, ref int unscored)
    {
        if (rows.Length < options.RobustMinTrades)
        {
            Interlocked.Increment(ref unscored);
            return null;
        }
        if (stats.MinPrice == stats.MaxPrice) return null;
        var values = scratch.Values(rows.Length);
        prices.CopyTo(values);
        var median = Median(values);
        var meanAbsolute = 0.0;
        for (var i = 0; i < rows.Length; i++)
        {
            values[i] = Math.Abs(prices[i] - median);
            meanAbsolute += values[i];
        }
        meanAbsolute /= rows.Length;
        var mad = Median(values);
        var scale = mad > 0 ? MadToZ / mad : meanAbsolute > 0 ? 1 / (MeanAbsoluteDeviationScale * meanAbsolute) : 0;
        if (scale == 0) return null;

        List<PriceAnomaly>? found = null;
        for (var i = 0; i < rows.Length; i++)
        {
            var score = (prices[i] - median) * scale;
            if (Math.Abs(score) > options.RobustThreshold)
                (found ??= []).Add(Anomaly(table, stats, rows[i], method, score, options.RobustThreshold, median));
        }
        return found;
    }

    /// <summary>
    /// The original rule |price − mean| > k·mean (k = 2). Its flaw, kept on purpose for comparison: the threshold is
    /// relative to the mean, so a mean ≤ 0 (common in morning hours with negative prices) makes every trade an anomaly,
    /// and a mean near zero flags ordinary noise; one outlier also shifts the mean it is judged against.
    /// </summary>
    private static List<PriceAnomaly>? RelativeToMean(TradeTable table, ProductStats stats, ReadOnlySpan<int> rows, ReadOnlySpan<double> prices, AnalysisOptions options, string method)
    {
        var mean = stats.AvgPrice;
        var threshold = options.RelativeToMeanFactor * mean;
        List<PriceAnomaly>? found = null;
        for (var i = 0; i < rows.Length; i++)
        {
            var score = Math.Abs(prices[i] - mean);
            if (score > threshold) (found ??= []).Add(Anomaly(table, stats, rows[i], method, score, threshold, mean));
        }
        return found;
    }

    private static PriceAnomaly Anomaly(TradeTable table, ProductStats stats, int row, string method, double score, double threshold, double reference) => new()
    {
        Product = stats.Product,
        DeliveryStart = stats.DeliveryStart,
        DeliveryEnd = stats.DeliveryEnd,
        DeliveryArea = stats.DeliveryArea,
        TradeId = table.TradeIds[row],
        ExecutionTime = new DateTime(table.ExecutionTicks[row], DateTimeKind.Utc),
        Price = table.Prices[row],
        Volume = table.Volumes[row],
        Method = method,
        Score = score,
        Threshold = threshold,
        Reference = reference,
    };

    /// <summary>Median of the span (reorders it).</summary>
    internal static double Median(Span<double> values)
    {
        values.Sort();
        var middle = values.Length / 2;
        return values.Length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }

    /// <summary>Per-thread buffers, sized to the largest product seen.</summary>
    private sealed class Scratch
    {
        private double[] _prices = new double[256], _volumes = new double[256], _values = new double[256];

        public ReadOnlySpan<double> Prices(int length) => _prices.AsSpan(0, length);

        public ReadOnlySpan<double> Volumes(int length) => _volumes.AsSpan(0, length);

        public void Gather(TradeTable table, ReadOnlySpan<int> rows)
        {
            Ensure(ref _prices, rows.Length);
            Ensure(ref _volumes, rows.Length);
            var prices = table.Prices;
            var volumes = table.Volumes;
            for (var i = 0; i < rows.Length; i++)
            {
                _prices[i] = prices[rows[i]];
                _volumes[i] = volumes[rows[i]];
            }
        }

        public Span<double> Values(int length)
        {
            Ensure(ref _values, length);
            return _values.AsSpan(0, length);
        }

        private static void Ensure(ref double[] buffer, int length)
        {
            if (buffer.Length < length) buffer = new double[Math.Max(length, buffer.Length * 2)];
        }
    }
}
