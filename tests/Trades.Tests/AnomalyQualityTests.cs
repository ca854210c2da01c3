using Trades.Analytics;
using Trades.Generation;
using Xunit.Abstractions;

namespace Trades.Tests;

/// <summary>
/// Detection quality at every market density: generated days (5 areas × 2 days, 1,680 products, seed 42) at
/// intensities 0.2, 1 and 5, with nothing and with 20 injected spikes and drops. Figures in docs/trades.md.
/// </summary>
public sealed class AnomalyQualityTests(ITestOutputHelper output)
{
    public static TheoryData<double> Intensities => [0.2, 1.0, 5.0];

    private sealed record Quality(int Products, int Injected, int Flagged, int Hits, int FalseProducts)
    {
        public double Precision => Flagged == 0 ? 1 : (double)Hits / Flagged;
        public double Recall => Injected == 0 ? 1 : (double)Hits / Injected;
        public double FalseProductsPerThousand => 1000.0 * FalseProducts / Products;
    }

    private Quality Measure(double intensity, int injected, AnomalyMethod method)
    {
        var (trades, truthList) = TradeGenerator.Generate(new TradeGenerationOptions
        {
            FirstDay = new DateOnly(2023, 3, 1),
            Days = 2,
            Areas = TradeGenerator.Areas,
            Seed = 42,
            Anomalies = injected,
            Intensity = intensity,
        });
        var result = TradeAnalytics.Analyze(trades, new AnalysisOptions { Method = method });
        var truth = truthList.Select(a => a.TradeId).ToHashSet();
        var flagged = result.Anomalies.Select(a => a.TradeId).ToHashSet();
        var falseProducts = result.Anomalies.Where(a => !truth.Contains(a.TradeId)).Select(a => (a.Product, a.DeliveryStart, a.DeliveryEnd, a.DeliveryArea)).Distinct().Count();
        var quality = new Quality(result.ProductStats.Count, truth.Count, flagged.Count, flagged.Count(truth.Contains), falseProducts);
        output.WriteLine($"| {AnalysisOptions.Name(method)} | {intensity} | {quality.Products:N0} | {injected} | {quality.Flagged:N0} | {quality.Precision:F3} | {quality.Recall:F3} | {quality.FalseProducts} ({quality.FalseProductsPerThousand:F1}) |");
        return quality;
    }

    [Theory]
    [MemberData(nameof(Intensities))]
    public void The_robust_method_has_precision_of_at_least_0_9_and_recall_of_at_least_0_95_at_every_density(double intensity)
    {
        var quality = Measure(intensity, 20, AnomalyMethod.Robust);

        Assert.Equal(20, quality.Injected);
        Assert.True(quality.Precision >= 0.9, $"precision {quality.Precision:F3}");
        Assert.True(quality.Recall >= 0.95, $"recall {quality.Recall:F3}");
    }

    [Theory]
    [MemberData(nameof(Intensities))]
    public void On_days_with_nothing_injected_the_robust_method_flags_at_most_one_product_per_thousand(double intensity)
    {
        var quality = Measure(intensity, 0, AnomalyMethod.Robust);

        Assert.True(quality.FalseProductsPerThousand <= 1, $"{quality.FalseProducts} of {quality.Products} products flagged");
    }

    [Fact]
    public void The_seeds_rules_are_measured_and_do_worse_on_thin_markets()
    {
        var robust = Measure(0.2, 20, AnomalyMethod.Robust);
        var mad = Measure(0.2, 20, AnomalyMethod.Mad);
        var original = Measure(0.2, 20, AnomalyMethod.RelativeToMean);

        Assert.True(mad.Precision < robust.Precision, $"mad precision {mad.Precision:F3}");
        Assert.True(original.Precision < robust.Precision, $"relative-to-mean precision {original.Precision:F3}");
    }
}
