using Telemetry.Storage;

namespace Telemetry.Metrics;

/// <summary>How a metric is charted: gauges and non-monotonic sums as stored, counters as a rate, histograms as mean and p95.</summary>
public enum MetricDisplay { Value, RatePerSecond, MeanAndP95 }

/// <summary>
/// One point of a chart line at <see cref="Time"/> (the end of the interval it covers): the value, the rate per second,
/// or the histogram's mean; <see cref="P95"/> only for histograms. Null where the interval had nothing to show.
/// </summary>
public sealed record ChartPoint(DateTime Time, double? Value, double? P95);

/// <summary>One line (two for histograms) per attribute set of one service; <see cref="Latest"/> is its last non-null value.</summary>
public sealed record ChartSeries(string Label, string ServiceName, IReadOnlyDictionary<string, string> Attributes, IReadOnlyList<ChartPoint> Points, double? Latest);

/// <summary>
/// What the metric page draws: at most <see cref="MetricChart.MaxSeries"/> series (those with the highest latest value;
/// <see cref="TotalSeries"/> says how many there were), the axis label with the unit. Attributes every series has alike
/// are in <see cref="CommonAttributes"/>, not in each label.
/// </summary>
public sealed record MetricChartData(string Name, string? Description, string? Unit, MetricKind Kind, MetricDisplay Display, string AxisLabel,
    DateTime From, DateTime To, int TotalSeries, IReadOnlyDictionary<string, string> CommonAttributes, IReadOnlyList<ChartSeries> Series);

/// <summary>Turns stored points into chart lines. Pure functions over the points: no database, no clock.</summary>
public static class MetricChart
{
    /// <summary>More lines than this make a chart unreadable (and a histogram draws two per series).</summary>
    public const int MaxSeries = 10;

    public static MetricDisplay DisplayOf(MetricKind kind, bool isMonotonic) => kind switch
    {
        MetricKind.Histogram => MetricDisplay.MeanAndP95,
        MetricKind.Sum when isMonotonic => MetricDisplay.RatePerSecond,
        _ => MetricDisplay.Value,
    };

    public static MetricChartData Build(MetricDetail detail, int maxSeries = MaxSeries)
    {
        var display = DisplayOf(detail.Kind, detail.IsMonotonic);
        var common = CommonAttributes(detail.Series);
        var severalServices = detail.Series.Select(s => s.ServiceName).Distinct().Skip(1).Any();
        var series = detail.Series.Select(s =>
        {
            var points = display switch
            {
                MetricDisplay.RatePerSecond => Rates(s.Points, detail.Temporality),
                MetricDisplay.MeanAndP95 => HistogramWindows(s.Points, detail.Temporality),
                _ => s.Points.Select(p => new ChartPoint(Time(p.TimeNs), p.Value, null)).ToList(),
            };
            return new ChartSeries(Label(s, common, severalServices), s.ServiceName, s.Attributes, points, points.LastOrDefault(p => p.Value is not null)?.Value);
        }).ToList();
        var shown = series.OrderByDescending(s => s.Latest ?? double.NegativeInfinity).ThenBy(s => s.Label, StringComparer.Ordinal).Take(maxSeries)
            .OrderBy(s => s.Label, StringComparer.Ordinal).ToList();
        return new MetricChartData(detail.Name, detail.Description, detail.Unit, detail.Kind, display, AxisLabel(detail.Unit, display),
            detail.From, detail.To, series.Count, common, shown);
    }

    /// <summary>
    /// The per-second increase of a monotonic sum between consecutive points. A cumulative counter that restarted (a new
    /// start time, or a smaller value) counts from zero again: its increase is its own value since its start.
    /// </summary>
    public static IReadOnlyList<ChartPoint> Rates(IReadOnlyList<StoredMetricPoint> points, MetricTemporality temporality)
    {
        var result = new List<ChartPoint>(points.Count);
        for (var i = 0; i < points.Count; i++)
        {
            var p = points[i];
            if (Window(points, i, temporality, (now, before) => now.Value < before.Value) is not { } window) continue;
            var (since, seconds) = window;
            result.Add(new ChartPoint(Time(p.TimeNs), (p.Value - (since?.Value ?? 0)) / seconds, null));
        }
        return result;
    }

    /// <summary>
    /// Mean and p95 of what a histogram recorded between consecutive points (bucket deltas of cumulative points; each
    /// point itself when delta). A window without recordings has neither (a gap, not a zero).
    /// </summary>
    public static IReadOnlyList<ChartPoint> HistogramWindows(IReadOnlyList<StoredMetricPoint> points, MetricTemporality temporality)
    {
        var result = new List<ChartPoint>(points.Count);
        for (var i = 0; i < points.Count; i++)
        {
            var h = points[i].Histogram;
            if (h is null || Window(points, i, temporality, (now, before) => Decreased(now.Histogram, before.Histogram)) is not { } window) continue;
            var before = window.Since?.Histogram;
            var count = h.Count - (before?.Count ?? 0);
            var sum = h.Sum - (before is null ? 0 : before.Sum);
            var buckets = before is null ? h.BucketCounts : h.BucketCounts.Select((c, b) => c - before.BucketCounts[b]).ToArray();
            result.Add(new ChartPoint(Time(points[i].TimeNs), count > 0 ? sum / count : null,
                Quantile(0.95, h.ExplicitBounds, buckets, h.Min, h.Max)));
        }
        return result;
    }

    /// <summary>
    /// The q-quantile of an explicit-bucket histogram, interpolating linearly inside the bucket that holds the rank (as
    /// Prometheus' histogram_quantile does). The open first and last buckets are closed by <paramref name="min"/> and
    /// <paramref name="max"/> when known, else by 0 (or the first bound, if that is not positive) and the last bound.
    /// Null when the histogram is empty.
    /// </summary>
    public static double? Quantile(double q, IReadOnlyList<double> bounds, IReadOnlyList<long> counts, double? min = null, double? max = null)
    {
        var total = counts.Sum();
        if (total <= 0 || counts.Count != bounds.Count + 1) return null;
        if (bounds.Count == 0 && (min is null || max is null)) return null;
        var rank = q * total;
        long below = 0;
        for (var b = 0; b < counts.Count; b++)
        {
            if (counts[b] <= 0) continue;
            if (below + counts[b] >= rank)
            {
                var lower = b > 0 ? bounds[b - 1] : bounds.Count == 0 ? min!.Value : Math.Min(min ?? Math.Min(0, bounds[0]), bounds[0]);
                var upper = b < bounds.Count ? bounds[b] : bounds.Count == 0 ? max!.Value : Math.Max(max ?? bounds[^1], bounds[^1]);
                return lower + (upper - lower) * (rank - below) / counts[b];
            }
            below += counts[b];
        }
        return null;
    }

    /// <summary>
    /// The interval point <paramref name="i"/> covers: measured against the point before it (<c>Since</c>), or against its
    /// own start (<c>Since</c> null: a delta point, the first point after a reset). Null when it covers no known interval.
    /// </summary>
    static (StoredMetricPoint? Since, double Seconds)? Window(IReadOnlyList<StoredMetricPoint> points, int i, MetricTemporality temporality,
        Func<StoredMetricPoint, StoredMetricPoint, bool> decreased)
    {
        var p = points[i];
        var previous = i > 0 ? points[i - 1] : null;
        double? sinceStart = p.StartNs > 0 && p.StartNs < p.TimeNs ? (p.TimeNs - p.StartNs) / 1e9 : null;
        double? sincePrevious = previous is not null && previous.TimeNs < p.TimeNs ? (p.TimeNs - previous.TimeNs) / 1e9 : null;
        if (temporality == MetricTemporality.Delta) return (sinceStart ?? sincePrevious) is { } s ? (null, s) : null;
        if (previous is null || sincePrevious is null) return null;
        var restarted = (p.StartNs != 0 && previous.StartNs != 0 && p.StartNs != previous.StartNs) || decreased(p, previous);
        return restarted ? (null, sinceStart ?? sincePrevious.Value) : (previous, sincePrevious.Value);
    }

    static bool Decreased(HistogramBuckets? now, HistogramBuckets? before) =>
        now is null || before is null || now.Count < before.Count || !now.ExplicitBounds.SequenceEqual(before.ExplicitBounds)
        || now.BucketCounts.Count != before.BucketCounts.Count || now.BucketCounts.Where((c, b) => c < before.BucketCounts[b]).Any();

    /// <summary>The attributes (key and value) that every series has: all of them when there is one series.</summary>
    static Dictionary<string, string> CommonAttributes(IReadOnlyList<MetricSeries> series) =>
        series.Count == 0 ? []
            : series[0].Attributes.Where(a => series.All(s => s.Attributes.TryGetValue(a.Key, out var v) && v == a.Value))
                .ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal);

    /// <summary>What tells a series apart: its service (when there are several) and the attributes not common to all.</summary>
    static string Label(MetricSeries s, IReadOnlyDictionary<string, string> common, bool withService)
    {
        var own = string.Join(", ", s.Attributes.Where(a => !common.ContainsKey(a.Key)).OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}={a.Value}"));
        return own.Length == 0 ? s.ServiceName : withService ? $"{s.ServiceName} · {own}" : own;
    }

    /// <summary>The y axis: the unit, per second for rates.</summary>
    public static string AxisLabel(string? unit, MetricDisplay display)
    {
        var u = UnitText(unit);
        return display switch
        {
            MetricDisplay.RatePerSecond => u.Length == 0 ? "per second" : $"{u}/s",
            MetricDisplay.MeanAndP95 => u.Length == 0 ? "mean and p95" : $"mean and p95 ({u})",
            _ => u.Length == 0 ? "value" : u,
        };
    }

    /// <summary>
    /// A unit as OTLP gives it (UCUM: <c>s</c>, <c>ms</c>, <c>By</c>, <c>{request}</c>) for people: without the braces of
    /// annotations, <c>By</c> as bytes, empty when dimensionless (<c>1</c>) or not given.
    /// </summary>
    public static string UnitText(string? unit) => unit is null or "1" ? "" : unit.Trim('{', '}') is "By" ? "bytes" : unit.Trim('{', '}');

    static DateTime Time(long ns) => DateTime.UnixEpoch.AddTicks(ns / 100);
}
