namespace Trades.Generation;

/// <summary>What to generate. The same options and seed always give byte-identical trades.</summary>
public sealed record TradeGenerationOptions
{
    /// <summary>First delivery day (market time, CET/CEST).</summary>
    public required DateOnly FirstDay { get; init; }

    public int Days { get; init; } = 1;

    /// <summary>Delivery areas, any of <see cref="TradeGenerator.Areas"/>.</summary>
    public IReadOnlyList<string> Areas { get; init; } = ["FR"];

    public ulong Seed { get; init; } = 1;

    /// <summary>Price spikes and drops to inject over the whole output, spread evenly over days and areas.</summary>
    public int Anomalies { get; init; }

    /// <summary>Multiplies the number of trades (1 = about 32,700 rows for FR on one day).</summary>
    public double Intensity { get; init; } = 1.0;
}

/// <summary>Ground truth for one injected anomaly: the trade whose price was moved away from its product's level.</summary>
public sealed record InjectedAnomaly(long TradeId, FinancialProduct Product, string Kind, decimal OriginalPrice, decimal Price);

/// <summary>The trades of one delivery day in one area, in execution-time order, and the anomalies injected into them.</summary>
public sealed record GeneratedDay(DateOnly Day, string Area, IReadOnlyList<Trade> Trades, IReadOnlyList<InjectedAnomaly> Anomalies);
