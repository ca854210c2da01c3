using System.Text.Json.Serialization;

namespace Trades.Analytics;

public enum AnomalyMethod
{
    /// <summary>Per product: modified z-score 0.6745·(price − median)/MAD, flagged when |z| exceeds the threshold.</summary>
    Robust,

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

    /// <summary>Products with fewer trades are not scored by the robust method (median and MAD mean little there).</summary>
    public int RobustMinTrades { get; init; } = 5;

    /// <summary>The factor k of |price − mean| > k·mean (2 in the original exercise).</summary>
    public double RelativeToMeanFactor { get; init; } = 2.0;

    /// <summary>How many products to rank per delivery day and area, and overall.</summary>
    public int TopCount { get; init; } = 5;

    public static string Name(AnomalyMethod method) => method == AnomalyMethod.Robust ? "robust" : "relative-to-mean";

    public static AnomalyMethod? ParseMethod(string name) => name switch
    {
        "robust" => AnomalyMethod.Robust,
        "relative-to-mean" => AnomalyMethod.RelativeToMean,
        _ => null,
    };
}

/// <summary>Statistics of one financial product over its distinct trades (one row per TradeId).</summary>
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
    public required double TotalVolume { get; init; }
    public required double MinPrice { get; init; }
    public required double MaxPrice { get; init; }

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
    public required double Price { get; init; }
    public required double Volume { get; init; }

    /// <summary>"robust" or "relative-to-mean".</summary>
    public required string Method { get; init; }

    /// <summary>robust: the signed modified z-score; relative-to-mean: |price − mean| in EUR/MWh.</summary>
    public required double Score { get; init; }

    /// <summary>robust: the |z| limit; relative-to-mean: k·mean in EUR/MWh (negative when the mean is).</summary>
    public required double Threshold { get; init; }

    /// <summary>robust: the product's median price; relative-to-mean: its mean price.</summary>
    public required double Reference { get; init; }
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

    /// <summary>Products the robust method did not score because they had fewer than RobustMinTrades trades.</summary>
    public required int UnscoredProducts { get; init; }
}
