namespace Prices;

/// <summary>One symbol's price distribution.</summary>
public sealed record SymbolDistribution(string Symbol, double Mean, double StandardDeviation);

public sealed record PriceGenerationOptions
{
    public static readonly IReadOnlyList<SymbolDistribution> DefaultSymbols =
    [
        new("AAPL", 190, 5),
        new("AMZN", 180, 6),
        new("GOOG", 140, 4),
        new("MSFT", 410, 8),
        new("TSLA", 250, 15),
    ];

    public int Count { get; init; } = 5000;
    public IReadOnlyList<SymbolDistribution> Symbols { get; init; } = DefaultSymbols;
    public DateTime Start { get; init; } = new(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Time between ticks (the symbols take turns).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Ticks replaced by prices 6–10 standard deviations from their symbol's mean (the ground truth of outlier tests).</summary>
    public int Outliers { get; init; }

    public int Seed { get; init; } = 1;
}

/// <summary>
/// Generates ticks: each symbol's prices drawn from its normal distribution, rounded to two decimals. Draws beyond
/// ±2.5 standard deviations are drawn again (a truncated normal), so a generated batch has no natural |z| above 3
/// and every outlier the report finds at the default threshold is one that was injected on purpose. (An untruncated
/// normal puts 0.27 % of its values beyond 3σ: 13 of 5,000 ticks.)
/// </summary>
public static class PriceGenerator
{
    const double Truncation = 2.5;

    public static (IReadOnlyList<PriceTick> Ticks, IReadOnlyList<PriceTick> Injected) Generate(PriceGenerationOptions options)
    {
        if (options.Symbols.Count == 0) throw new ArgumentException("at least one symbol is needed", nameof(options));
        var random = new Random(options.Seed);
        var outliers = Enumerable.Range(0, options.Count).OrderBy(_ => random.Next()).Take(options.Outliers).ToHashSet();
        var ticks = new PriceTick[options.Count];
        var injected = new List<PriceTick>();
        for (var i = 0; i < options.Count; i++)
        {
            var symbol = options.Symbols[i % options.Symbols.Count];
            var z = outliers.Contains(i) ? (6 + 4 * random.NextDouble()) * (random.Next(2) == 0 ? -1 : 1) : TruncatedNormal(random);
            ticks[i] = new PriceTick(options.Start + options.Interval * i, symbol.Symbol, Math.Round(symbol.Mean + z * symbol.StandardDeviation, 2));
            if (outliers.Contains(i)) injected.Add(ticks[i]);
        }
        return (ticks, injected);
    }

    static double TruncatedNormal(Random random)
    {
        while (true)
        {
            // Box–Muller
            var z = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            if (Math.Abs(z) <= Truncation) return z;
        }
    }
}
