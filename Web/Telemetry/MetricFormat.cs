using System.Globalization;
using Telemetry;
using Telemetry.Metrics;
using Telemetry.Storage;

namespace Web.Telemetry;

/// <summary>How metric values and kinds read on the pages.</summary>
public static class MetricFormat
{
    /// <summary>Thousands separated, up to 4 decimals; tiny values in scientific notation rather than as 0.</summary>
    public static string Number(double? value) => value switch
    {
        null => "—",
        { } v when v != 0 && Math.Abs(v) < 0.0001 => v.ToString("0.###E+0", CultureInfo.InvariantCulture),
        { } v => v.ToString("#,0.####", CultureInfo.InvariantCulture),
    };

    public static string Kind(MetricKind kind, bool isMonotonic) => kind switch
    {
        MetricKind.Gauge => "gauge",
        MetricKind.Sum => isMonotonic ? "counter" : "up-down counter",
        MetricKind.Histogram => "histogram",
        _ => kind.ToString(),
    };

    /// <summary>A gauge's or sum's value with its unit; a histogram's count and mean since its start.</summary>
    public static string Latest(MetricSummary m)
    {
        var unit = MetricChart.UnitText(m.Unit);
        var suffix = unit.Length == 0 ? "" : " " + unit;
        if (m.LatestHistogram is { } h)
            return $"{Number(h.Count)} recorded, mean {(h.Sum is { } sum && h.Count > 0 ? Number(sum / h.Count) + suffix : "—")}";
        return Number(m.LatestValue) + suffix;
    }

    public static string Attributes(IReadOnlyDictionary<string, string> attributes) =>
        attributes.Count == 0 ? "(no attributes)" : string.Join(", ", attributes.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}={a.Value}"));

    public static string Explanation(MetricDisplay display) => display switch
    {
        MetricDisplay.RatePerSecond => "A counter: charted as its increase per second between consecutive exports (a restarted process counts from zero again).",
        MetricDisplay.MeanAndP95 => "A histogram: charted as the mean (solid) and the 95th percentile (dashed) of what was recorded between consecutive exports, the percentile interpolated within its bucket.",
        _ => "Charted as exported.",
    };
}
