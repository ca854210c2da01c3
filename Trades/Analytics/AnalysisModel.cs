using System.Text.Json.Serialization;

namespace Trades.Analytics;

public enum AnomalyMethod
{
    /// <summary>
    /// Per product: z = (price − median)/scale, flagged when |z| exceeds the threshold. The scale is the MAD of the
    /// product's distinct prices, pooled with comparable products (same area and delivery hour, every product type) in
    /// proportion to how little support the product has, and never below a floor relative to the price level. Each
    /// finding carries a confidence.
    /// </summary>
    Robust,

    /// <summary>
    /// The seed's rule, kept for comparison: modified z-score 0.6745·(price − median)/MAD over the product's own trades
    /// only. Honest on busy products; on thin ones a tiny MAD makes the score explode.
    /// </summary>
    Mad,

    /// <summary>The original exercise's rule |price − mean| > 2·mean. Flawed: when the mean is ≤ 0 it flags every trade.</summary>
    RelativeToMean,
}

/// <summary>Settings of one analysis; the defaults are the documented ones (docs/trades.md).</summary>
public sealed record AnalysisOptions
{
    public AnomalyMethod Method { get; init; } = AnomalyMethod.Robust;

    /// <summary>
    /// |modified z| above this is an anomaly. Iglewicz and Hoaglin's textbook value is 3.5 for normal data; intraday
    /// prices cluster (one order fills several trades at one price) and drift toward gate closure, and 3.5 flagged
    /// whole orders at the edge of ordinary noise (precision 0.64 on a generated day), so the default is 5.
    /// </summary>
    public double RobustThreshold { get; init; } = 5.0;

    /// <summary>Products with fewer trades are not scored by the robust and MAD methods (a median of a few trades means little).</summary>
    public int RobustMinTrades { get; init; } = 5;

    /// <summary>
    /// Robust method: how many distinct prices' worth of the comparable products' scale a product's own scale is
    /// blended with (at most what the comparable products have). A product with 3 distinct prices gets mostly the
    /// pooled scale, one with 300 mostly its own. 30 was the best of 10, 20, 30 measured (docs/trades.md).
    /// </summary>
    public double PoolWeight { get; init; } = 30;

    /// <summary>Robust method: the scale is never below this many EUR/MWh (100 ticks of 0.01), so a tiny MAD cannot explode the score.</summary>
    public double MinScale { get; init; } = 1.0;

    /// <summary>Robust method: nor below this fraction of the product's |median| price.</summary>
    public double RelativeMinScale { get; init; } = 0.02;

    /// <summary>
    /// Robust method: a trade beyond the threshold is reported only when its confidence reaches this, so a thin
    /// product needs a larger deviation than a busy one (at 0.8: |z| ≥ 8.0 with 5 distinct prices, 5.8 with 50).
    /// </summary>
    public double MinConfidence { get; init; } = 0.8;

    /// <summary>The factor k of |price − mean| > k·mean (2 in the original exercise).</summary>
    public double RelativeToMeanFactor { get; init; } = 2.0;

    /// <summary>How many products to rank per delivery day and area, and overall.</summary>
    public int TopCount { get; init; } = 5;

    public static string Name(AnomalyMethod method) => method switch
    {
        AnomalyMethod.Robust => "robust",
        AnomalyMethod.Mad => "mad",
        _ => "relative-to-mean",
    };

    public static AnomalyMethod? ParseMethod(string name) => name switch
    {
        "robust" => AnomalyMethod.Robust,
        "mad" => AnomalyMethod.Mad,
        "relative-to-mean" => AnomalyMethod.RelativeToMean,
        _ => null,
    };
}

/// <summary>
/// Statistics of one financial product over its distinct trades (one row per TradeId). Totals and extremes are exact
/// decimals (sums of the prices and volumes as received); averages and the standard deviation are doubles computed
/// from the exact sums, statistics rather than amounts.
/// </summary>
public record ProductStats
{
    public required string Product { get; init; }
    public required DateTime DeliveryStart { get; init; }
    public required DateTime DeliveryEnd { get; init; }
    public required string DeliveryArea { get; init; }
    public required int TradeCount { get; init; }
    public required double AvgPrice { get; init; }

    /// <summary>Volume-weighted average price Σ(price·volume)/Σvolume.</summary>
    public required double Vwap { get; init; }
    public required double AvgVolume { get; init; }
    public required decimal TotalVolume { get; init; }
    public required decimal MinPrice { get; init; }
    public required decimal MaxPrice { get; init; }

    /// <summary>Sample standard deviation (n − 1); null for a product with one trade.</summary>
    public required double? StddevPrice { get; init; }

    [JsonIgnore]
    public FinancialProduct FinancialProduct => new(Product, DeliveryStart, DeliveryEnd, DeliveryArea);
}

/// <summary>A product's place in a top-N ranking by total volume, overall or within one delivery day and area.</summary>
public sealed record TopProduct : ProductStats
{
    /// <summary>"overall", or "deliveryDayArea" for the ranking within <see cref="DeliveryDate"/> and the product's area.</summary>
    [JsonPropertyOrder(-3)] public required string Scope { get; init; }

    /// <summary>The product's delivery day in market time (CET/CEST), yyyy-MM-dd.</summary>
    [JsonPropertyOrder(-2)] public required string DeliveryDate { get; init; }

    [JsonPropertyOrder(-1)] public required int Rank { get; init; }

    public const string OverallScope = "overall";
    public const string DayAreaScope = "deliveryDayArea";
}

/// <summary>A trade whose price is anomalous for its product, with how it was judged.</summary>
public sealed record PriceAnomaly
{
    public required string Product { get; init; }
    public required DateTime DeliveryStart { get; init; }
    public required DateTime DeliveryEnd { get; init; }
    public required string DeliveryArea { get; init; }
    public required long TradeId { get; init; }
    public required DateTime ExecutionTime { get; init; }
    /// <summary>The trade's price and volume as received.</summary>
    public required decimal Price { get; init; }
    public required decimal Volume { get; init; }

    /// <summary>"robust", "mad" or "relative-to-mean".</summary>
    public required string Method { get; init; }

    /// <summary>robust and mad: the signed z-score; relative-to-mean: |price − mean| in EUR/MWh.</summary>
    public required double Score { get; init; }

    /// <summary>robust and mad: the |z| limit; relative-to-mean: k·mean in EUR/MWh (negative when the mean is).</summary>
    public required double Threshold { get; init; }

    /// <summary>robust and mad: the product's median price; relative-to-mean: its mean price.</summary>
    public required double Reference { get; init; }

    /// <summary>
    /// robust: how sure the finding is, 0.5–1: the chance that the trade would still exceed the threshold if the
    /// product's scale were estimated afresh, given the support it was estimated from; null for the other methods.
    /// </summary>
    public double? Confidence { get; init; }
}

/// <summary>A data-quality problem found while counting trades once per TradeId.</summary>
public sealed record DataQualityFinding(long TradeId, string Kind, string Detail)
{
    /// <summary>The BUY and SELL rows of one trade disagree (price, volume or product); the SELL row was used.</summary>
    public const string LegMismatch = "leg-mismatch";

    /// <summary>The same (TradeId, Side) arrived twice with different values; the first was kept.</summary>
    public const string ConflictingDuplicate = "conflicting-duplicate";
}

public sealed record AnalysisResult
{
    public required IReadOnlyList<ProductStats> ProductStats { get; init; }
    public required IReadOnlyList<TopProduct> TopProducts { get; init; }
    public required IReadOnlyList<PriceAnomaly> Anomalies { get; init; }
    public required IReadOnlyList<DataQualityFinding> Findings { get; init; }

    /// <summary>Rows (trade legs) given to the analysis.</summary>
    public required long Rows { get; init; }

    /// <summary>Distinct TradeIds, each counted once.</summary>
    public required long DistinctTrades { get; init; }

    /// <summary>Rows that repeated a (TradeId, Side) already seen (replays).</summary>
    public required long DuplicateRows { get; init; }

    /// <summary>Products the robust or MAD method did not score because they had fewer than RobustMinTrades trades.</summary>
    public required int UnscoredProducts { get; init; }
}
