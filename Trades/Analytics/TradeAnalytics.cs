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

        var stats = new ProductStats?[productCount];
        var anomalies = new List<PriceAnomaly>?[productCount];
        var fits = options.Method == AnomalyMethod.Robust ? new Fit?[productCount] : null;
        var unscored = 0;
        var method = AnalysisOptions.Name(options.Method);
        ForEachProduct(table, order, offsets, (p, rows, prices, scratch) =>
        {
            // a product only a replaced leg named (its trade's SELL leg named another) has no trades left
            if (rows.Length == 0) return;
            var s = stats[p] = Statistics(table.Products[p], scratch.ExactPrices(rows.Length), scratch.ExactVolumes(rows.Length), prices);
            if (options.Method == AnomalyMethod.RelativeToMean) anomalies[p] = RelativeToMean(table, s, rows, prices, options, method);
            else if (rows.Length < options.RobustMinTrades) Interlocked.Increment(ref unscored);
            else if (fits is not null) fits[p] = FitProduct(prices, scratch);
            else anomalies[p] = Mad(table, s, rows, prices, options, method, scratch);
        });
        if (fits is not null)
        {
            var scales = PooledScales(table.Products, fits, options);
            ForEachProduct(table, order, offsets, (p, rows, prices, _) =>
            {
                if (fits[p] is { } fit) anomalies[p] = Robust(table, stats[p]!, rows, prices, fit, scales[p], options, method);
            });
        }

        var ordered = Enumerable.Range(0, productCount).Where(p => stats[p] is not null)
            .Order(Comparer<int>.Create((a, b) => CompareProducts(stats[a]!, stats[b]!))).ToArray();
        var traded = ordered.Select(p => stats[p]!).ToList();
        return new AnalysisResult
        {
            ProductStats = traded,
            TopProducts = Rank(traded, options.TopCount),
            Anomalies = [.. ordered.Where(p => anomalies[p] is not null).SelectMany(p => anomalies[p]!.OrderBy(a => a.ExecutionTime).ThenBy(a => a.TradeId))],
            Findings = table.Findings,
            Rows = table.Rows,
            DistinctTrades = table.Count,
            DuplicateRows = table.DuplicateRows,
            UnscoredProducts = unscored,
        };
    }

    /// <summary>
    /// Top products by total volume (exact sums), overall and per (delivery day, area). Ties are broken by, in order:
    /// more trades, earlier DeliveryStart, earlier DeliveryEnd, DeliveryArea and Product (ordinal).
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
        var byVolume = b.TotalVolume.CompareTo(a.TotalVolume);
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

    /// <summary>
    /// Statistics over one product's prices and volumes: sums and extremes in decimal, exact whatever the order; the
    /// averages are the exact sums' quotients rounded once to double; the standard deviation is computed in double.
    /// </summary>
    private static ProductStats Statistics(FinancialProduct product, ReadOnlySpan<decimal> prices, ReadOnlySpan<decimal> volumes, ReadOnlySpan<double> approximatePrices)
    {
        decimal sumPrice = 0, sumVolume = 0, sumPriceVolume = 0, min = decimal.MaxValue, max = decimal.MinValue;
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
        var mean = (double)(sumPrice / n);
        double? stddev = null;
        if (n > 1)
        {
            // two passes (not Σx² − n·mean²), and exactly 0 when all prices are equal
            var squares = 0.0;
            if (min != max)
                foreach (var price in approximatePrices) squares += (price - mean) * (price - mean);
            stddev = Math.Sqrt(squares / (n - 1));
        }
        return new ProductStats
        {
            Product = product.Product,
            DeliveryStart = product.DeliveryStart,
            DeliveryEnd = product.DeliveryEnd,
            DeliveryArea = product.DeliveryArea,
            TradeCount = n,
            AvgPrice = mean,
            Vwap = (double)(sumPriceVolume / sumVolume),
            AvgVolume = (double)(sumVolume / n),
            TotalVolume = sumVolume,
            MinPrice = min,
            MaxPrice = max,
            StddevPrice = stddev,
        };
    }

    /// <summary>
    /// A product's centre and own scale: the median of its trades, and the MAD of its distinct prices around it scaled
    /// to a standard deviation. Distinct prices, because one aggressive order fills several trades at one price: over
    /// trades, a product whose few orders each filled many times has a MAD near zero, over distinct prices it does not.
    /// The support is the number of distinct prices, i.e. roughly the independent orders behind the estimate.
    /// </summary>
    private static Fit FitProduct(ReadOnlySpan<double> prices, Scratch scratch)
    {
        var values = scratch.Values(prices.Length);
        prices.CopyTo(values);
        values.Sort();
        var distinct = 0;
        for (var i = 0; i < values.Length; i++)
            if (i == 0 || values[i] != values[i - 1]) values[distinct++] = values[i];
        values = values[..distinct];
        var median = Median(values);
        for (var i = 0; i < values.Length; i++) values[i] = Math.Abs(values[i] - median);
        return new Fit(median, Median(values) / MadToZ * SmallSampleCorrection(distinct), distinct);
    }

    /// <summary>
    /// The MAD of a few values underestimates the scale (with three, one of the deviations is the median's own zero);
    /// Croux and Rousseeuw's (1992) factors make it unbiased for normal data: tabulated up to 9, n/(n − 0.8) above.
    /// </summary>
    private static double SmallSampleCorrection(int n) => n switch
    {
        <= 2 => 1.196,
        3 => 1.495,
        4 => 1.363,
        5 => 1.206,
        6 => 1.200,
        7 => 1.140,
        8 => 1.129,
        9 => 1.107,
        _ => n / (n - 0.8),
    };

    /// <summary>
    /// Each product's scale blended with its comparable products' (same area and delivery hour: the hour, its two
    /// half-hours and four quarter-hours trade around one price level; pooling only one product type left the half-hours
    /// of a thin market with one partner and many false findings): s² = (k·s_own² + w·s_pool²)/(k + w), k its support,
    /// w = min(PoolWeight, the others' support), s_pool² the others' support-weighted mean of s². Then the floor
    /// max(MinScale, RelativeMinScale·|median|). Returns the scale and the support it stands on (k + w).
    /// </summary>
    private static (double Scale, double Support)[] PooledScales(IReadOnlyList<FinancialProduct> products, Fit?[] fits, AnalysisOptions options)
    {
        var groups = new Dictionary<(string Area, long Hour), (double WeightedVariance, double Support)>();
        for (var p = 0; p < fits.Length; p++)
        {
            if (fits[p] is not { } fit) continue;
            ref var group = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(groups, GroupOf(products[p]), out _);
            group = (group.WeightedVariance + fit.Support * fit.Scale * fit.Scale, group.Support + fit.Support);
        }
        var scales = new (double, double)[fits.Length];
        for (var p = 0; p < fits.Length; p++)
        {
            if (fits[p] is not { } fit) continue;
            var (weightedVariance, support) = groups[GroupOf(products[p])];
            var own = fit.Support * fit.Scale * fit.Scale;
            var othersSupport = support - fit.Support;
            var weight = Math.Min(options.PoolWeight, othersSupport);
            var pooled = weight > 0 ? weight * Math.Max(0, weightedVariance - own) / othersSupport : 0;
            var scale = Math.Sqrt((own + pooled) / (fit.Support + weight));
            scales[p] = (Math.Max(scale, Math.Max(options.MinScale, options.RelativeMinScale * Math.Abs(fit.Median))), fit.Support + weight);
        }
        return scales;

        static (string, long) GroupOf(FinancialProduct product) =>
            (product.DeliveryArea, product.DeliveryStart.Ticks - product.DeliveryStart.Ticks % TimeSpan.TicksPerHour);
    }

    /// <summary>z = (price − median)/scale with the pooled, floored scale; |z| > threshold with enough confidence is an anomaly.</summary>
    private static List<PriceAnomaly>? Robust(TradeTable table, ProductStats stats, ReadOnlySpan<int> rows, ReadOnlySpan<double> prices, Fit fit,
        (double Scale, double Support) scale, AnalysisOptions options, string method)
    {
        List<PriceAnomaly>? found = null;
        for (var i = 0; i < rows.Length; i++)
        {
            var score = (prices[i] - fit.Median) / scale.Scale;
            if (Math.Abs(score) <= options.RobustThreshold) continue;
            var confidence = Confidence(score, options.RobustThreshold, scale.Support);
            if (confidence >= options.MinConfidence)
                (found ??= []).Add(Anomaly(table, stats, rows[i], method, score, options.RobustThreshold, fit.Median) with { Confidence = confidence });
        }
        return found;
    }

    /// <summary>
    /// The chance that |z| would still exceed the threshold if the scale were estimated afresh: a MAD scale from n
    /// observations has a relative standard error of about 1.166/√n (its efficiency for normal data is 37 %), so
    /// ln(scale) ~ N(ln s, 1.166²/n) and the finding survives while the true scale is below s·|z|/threshold:
    /// Φ(ln(|z|/threshold)·√n/1.166), with Φ by the logistic approximation 1/(1 + e^(−1.702x)). 0.5 at the threshold.
    /// </summary>
    internal static double Confidence(double score, double threshold, double support)
    {
        var x = Math.Log(Math.Abs(score) / threshold) * Math.Sqrt(support) / 1.166;
        return 1 / (1 + Math.Exp(-1.702 * x));
    }

    /// <summary>
    /// The seed's rule: modified z-score z = 0.6745·(price − median)/MAD over the product's own trades; |z| > threshold
    /// is an anomaly. Fallbacks: MAD = 0 (more than half the trades at one price) uses the mean absolute deviation,
    /// z = (price − median)/(1.253314·MeanAD); both zero means every price is equal and nothing is anomalous.
    /// </summary>
    private static List<PriceAnomaly>? Mad(TradeTable table, ProductStats stats, ReadOnlySpan<int> rows, ReadOnlySpan<double> prices, AnalysisOptions options, string method, Scratch scratch)
    {
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

    /// <summary>
    /// What is done per product; <paramref name="prices"/> are the product's prices as doubles, for the scores (the
    /// exact values are in <see cref="Scratch.ExactPrices"/> and <see cref="Scratch.ExactVolumes"/>).
    /// </summary>
    private delegate void ProductAction(int product, ReadOnlySpan<int> rows, ReadOnlySpan<double> prices, Scratch scratch);

    /// <summary>Runs <paramref name="action"/> for every product in parallel, its rows' prices and volumes gathered into contiguous buffers.</summary>
    private static void ForEachProduct(TradeTable table, int[] order, int[] offsets, ProductAction action) =>
        Parallel.For(0, offsets.Length - 1, () => new Scratch(), (p, _, scratch) =>
        {
            var rows = order.AsSpan(offsets[p], offsets[p + 1] - offsets[p]);
            scratch.Gather(table, rows);
            action(p, rows, scratch.Prices(rows.Length), scratch);
            return scratch;
        }, _ => { });

    /// <summary>A product's median price, its own scale (a standard deviation in EUR/MWh) and the distinct prices behind it.</summary>
    private readonly record struct Fit(double Median, double Scale, int Support);

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
        private double[] _prices = new double[256], _values = new double[256];
        private decimal[] _exactPrices = new decimal[256], _exactVolumes = new decimal[256];

        public ReadOnlySpan<double> Prices(int length) => _prices.AsSpan(0, length);

        public ReadOnlySpan<decimal> ExactPrices(int length) => _exactPrices.AsSpan(0, length);

        public ReadOnlySpan<decimal> ExactVolumes(int length) => _exactVolumes.AsSpan(0, length);

        public void Gather(TradeTable table, ReadOnlySpan<int> rows)
        {
            Ensure(ref _prices, rows.Length);
            Ensure(ref _exactPrices, rows.Length);
            Ensure(ref _exactVolumes, rows.Length);
            var prices = table.Prices;
            var volumes = table.Volumes;
            for (var i = 0; i < rows.Length; i++)
            {
                _exactPrices[i] = prices[rows[i]];
                _exactVolumes[i] = volumes[rows[i]];
                _prices[i] = (double)_exactPrices[i];
            }
        }

        public Span<double> Values(int length)
        {
            Ensure(ref _values, length);
            return _values.AsSpan(0, length);
        }

        private static void Ensure<T>(ref T[] buffer, int length)
        {
            if (buffer.Length < length) buffer = new T[Math.Max(length, buffer.Length * 2)];
        }
    }
}
