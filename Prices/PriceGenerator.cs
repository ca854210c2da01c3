namespace Prices;

/// <summary>One symbol's price distribution.</summary>
public sealed record SymbolDistribution(string Symbol, double Mean, double StandardDeviation)
{
    /// <summary>
    /// A comma-separated list of symbols: a default symbol by name (AAPL), or any symbol with its distribution
    /// (XYZ=100:2, mean 100, standard deviation 2). Throws <see cref="FormatException"/> naming the offending entry.
    /// </summary>
    public static IReadOnlyList<SymbolDistribution> ParseList(string text)
    {
        var symbols = new List<SymbolDistribution>();
        foreach (var entry in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var (name, distribution) = entry.IndexOf('=') is var eq and >= 0 ? (entry[..eq].Trim(), entry[(eq + 1)..].Trim()) : (entry, null);
            if (name.Length == 0) throw new FormatException($"'{entry}' has no symbol name");
            if (symbols.Any(s => s.Symbol == name)) throw new FormatException($"'{name}' is listed twice");
            if (distribution is null)
            {
                symbols.Add(PriceGenerationOptions.DefaultSymbols.FirstOrDefault(s => s.Symbol == name)
                    ?? throw new FormatException($"'{name}' has no default distribution; give it as {name}=mean:std, e.g. {name}=100:2 (defaults: {string.Join(", ", PriceGenerationOptions.DefaultSymbols.Select(s => s.Symbol))})"));
                continue;
            }
            var parts = distribution.Split(':');
            if (parts.Length != 2 || !double.TryParse(parts[0], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var mean)
                || !double.TryParse(parts[1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var std)
                || !double.IsFinite(mean) || !double.IsFinite(std) || std <= 0)
                throw new FormatException($"'{entry}' is not symbol=mean:std with a finite mean and a standard deviation above 0");
            symbols.Add(new SymbolDistribution(name, mean, std));
        }
        return symbols.Count > 0 ? symbols : throw new FormatException("no symbols given");
    }
}

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
