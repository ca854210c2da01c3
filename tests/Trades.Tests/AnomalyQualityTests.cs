using Trades.Analytics;
using Xunit.Abstractions;

namespace Trades.Tests;

/// <summary>Detection quality on a generated FR day with 60 injected spikes and drops (numbers in docs/trades.md).</summary>
[Collection(GeneratedDayCollection.Name)]
public sealed class AnomalyQualityTests(GeneratedFrDay fixture, ITestOutputHelper output)
{
    private (double Precision, double Recall, int Flagged) Measure(AnomalyMethod method)
    {
        var result = TradeAnalytics.Analyze(fixture.Day.Trades, new AnalysisOptions { Method = method });
        var truth = fixture.Day.Anomalies.Select(a => a.TradeId).ToHashSet();
        var flagged = result.Anomalies.Select(a => a.TradeId).ToHashSet();
        var hits = flagged.Count(truth.Contains);
        var quality = (Precision: flagged.Count == 0 ? 0 : (double)hits / flagged.Count, Recall: (double)hits / truth.Count, flagged.Count);
        output.WriteLine($"{AnalysisOptions.Name(method)}: flagged {flagged.Count}, injected {truth.Count}, precision {quality.Precision:F3}, recall {quality.Recall:F3}");
        return quality;
    }

    [Fact]
    public void The_robust_method_finds_injected_anomalies_with_precision_and_recall_of_at_least_0_9()
    {
        var (precision, recall, _) = Measure(AnomalyMethod.Robust);

        Assert.True(precision >= 0.9, $"precision {precision:F3}");
        Assert.True(recall >= 0.9, $"recall {recall:F3}");
    }

    [Fact]
    public void The_original_rule_is_measured_and_does_worse()
    {
        var robust = Measure(AnomalyMethod.Robust);
        var original = Measure(AnomalyMethod.RelativeToMean);

        Assert.True(original.Precision < robust.Precision, $"relative-to-mean precision {original.Precision:F3}");
    }
}
