using Telemetry.Metrics;
using Telemetry.Storage;

namespace Telemetry.Tests;

/// <summary>The chart computations: counter rates across resets, histogram windows and quantiles, the series cap.</summary>
public sealed class MetricChartTests
{
    const long T0 = 1_767_225_600_000_000_000; // 2026-01-01T00:00:00Z in unix ns
    const long S = 1_000_000_000;
    static readonly DateTime Start = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    static StoredMetricPoint Counter(long startS, long atS, double value) => new(startS < 0 ? 0 : T0 + startS * S, T0 + atS * S, value, null);

    static StoredMetricPoint Histogram(long startS, long atS, long count, double sum, params long[] buckets) =>
        new(T0 + startS * S, T0 + atS * S, null, new HistogramBuckets(count, sum, null, null, buckets, [0, 5, 10, 25]));

    [Fact]
    public void A_cumulative_counter_becomes_the_increase_per_second_between_consecutive_points_and_restarts_count_from_zero()
    {
        var rates = MetricChart.Rates([
            Counter(-10, 0, 0), Counter(-10, 10, 50), Counter(-10, 20, 150),
            Counter(25, 30, 30), // the process restarted at 25 s: 30 counted in 5 s
            Counter(25, 40, 90)], MetricTemporality.Cumulative);

        Assert.Equal([(Start.AddSeconds(10), 5.0), (Start.AddSeconds(20), 10.0), (Start.AddSeconds(30), 6.0), (Start.AddSeconds(40), 6.0)],
            rates.Select(r => (r.Time, r.Value!.Value)));
    }

    [Fact]
    public void A_counter_without_start_times_that_goes_down_has_restarted_and_its_value_is_the_increase_since_the_previous_point()
    {
        var rates = MetricChart.Rates([Counter(-1, 0, 100), Counter(-1, 10, 160), Counter(-1, 20, 40), Counter(-1, 20, 45)], MetricTemporality.Cumulative);

        Assert.Equal([6.0, 4.0], rates.Select(r => r.Value!.Value)); // the point at the same time as its predecessor covers no interval
    }

    [Fact]
    public void A_delta_counter_is_its_value_over_its_own_interval()
    {
        var rates = MetricChart.Rates([Counter(0, 5, 20), Counter(5, 10, 35)], MetricTemporality.Delta);

        Assert.Equal([4.0, 7.0], rates.Select(r => r.Value!.Value));
    }

    [Theory]
    [InlineData(0.5, 7.5)]    // rank 5 of 10: 3rd of 6 in (5, 10]
    [InlineData(0.95, 21.25)] // rank 9.5: 1.5th of 2 in (10, 25]
    [InlineData(0.1, 2.5)]    // rank 1: 1st of 2 in (0, 5]
    [InlineData(1.0, 25.0)]
    public void A_quantile_interpolates_linearly_inside_the_bucket_that_holds_its_rank(double q, double expected)
    {
        Assert.Equal(expected, MetricChart.Quantile(q, [0, 5, 10, 25], [0, 2, 6, 2, 0]));
    }

    [Fact]
    public void The_open_first_and_last_buckets_are_closed_by_min_and_max_when_known()
    {
        Assert.Equal(48.0, MetricChart.Quantile(0.95, [10], [0, 4], max: 50)); // 10 + 40 × 0.95
        Assert.Equal(10.0, MetricChart.Quantile(0.95, [10], [0, 4]));          // unknown max: the last bound
        Assert.Equal(3.5, MetricChart.Quantile(0.5, [5, 10], [4, 0, 0], min: 2)); // 2 + 3 × 0.5
        Assert.Equal(2.5, MetricChart.Quantile(0.5, [5, 10], [4, 0, 0]));         // unknown min: from 0
        Assert.Null(MetricChart.Quantile(0.95, [5, 10], [0, 0, 0]));
        Assert.Null(MetricChart.Quantile(0.95, [5, 10], [1, 2]));                 // malformed: one count too few
    }

    [Fact]
    public void A_cumulative_histogram_is_charted_as_mean_and_p95_of_the_bucket_deltas_between_points_with_gaps_when_idle()
    {
        var windows = MetricChart.HistogramWindows([
            Histogram(0, 10, 2, 6, 0, 2, 0, 0, 0),
            Histogram(0, 20, 12, 156, 0, 2, 2, 8, 0),  // +10 recordings summing to 150: 2 in (5, 10], 8 in (10, 25]
            Histogram(0, 30, 12, 156, 0, 2, 2, 8, 0),  // nothing recorded
            Histogram(30, 40, 1, 4, 0, 1, 0, 0, 0)],   // restarted: its own count since 30 s
            MetricTemporality.Cumulative);

        // p95 of the 10: rank 9.5 is the 7.5th of the 8 in (10, 25]: 10 + 15 × 7.5 / 8
        Assert.Equal([(Start.AddSeconds(20), 15.0, 24.0625), (Start.AddSeconds(30), (double?)null, (double?)null), (Start.AddSeconds(40), 4.0, 4.75)],
            windows.Select(w => (w.Time, w.Value, w.P95)));
    }

    [Fact]
    public void The_chart_keeps_the_series_with_the_highest_latest_values_labels_them_by_their_attributes_and_names_the_unit()
    {
        var series = Enumerable.Range(1, 12).Select(i => new MetricSeries("workers", new Dictionary<string, string> { ["queue"] = $"q{i:00}" },
            [new StoredMetricPoint(0, T0, i, null)])).ToList();
        var detail = new MetricDetail("queue.depth", null, "{message}", MetricKind.Gauge, MetricTemporality.Unspecified, false, Start.AddHours(-1), Start, series, false);

        var chart = MetricChart.Build(detail);

        Assert.Equal((12, MetricDisplay.Value, "message"), (chart.TotalSeries, chart.Display, chart.AxisLabel));
        Assert.Equal(Enumerable.Range(3, 10).Select(i => $"queue=q{i:00}"), chart.Series.Select(s => s.Label)); // one service: not repeated
        Assert.Equal("request/s", MetricChart.AxisLabel("{request}", MetricDisplay.RatePerSecond));
        Assert.Equal("mean and p95 (s)", MetricChart.AxisLabel("s", MetricDisplay.MeanAndP95));
        Assert.Equal("bytes", MetricChart.AxisLabel("By", MetricDisplay.Value));
    }

    [Fact]
    public void Labels_leave_out_the_attributes_every_series_shares_and_name_the_service_when_there_are_several()
    {
        static MetricSeries Series(string service, string route) => new(service,
            new Dictionary<string, string> { ["http.request.method"] = "GET", ["http.route"] = route }, [new StoredMetricPoint(0, T0, 1, null)]);
        var detail = new MetricDetail("http.server.request.duration", null, "s", MetricKind.Gauge, MetricTemporality.Unspecified, false, Start, Start,
            [Series("web", "/trades"), Series("web", "/health"), Series("workers", "/health")], false);

        var chart = MetricChart.Build(detail);

        Assert.Equal(new Dictionary<string, string> { ["http.request.method"] = "GET" }, chart.CommonAttributes);
        Assert.Equal(["web · http.route=/health", "web · http.route=/trades", "workers · http.route=/health"], chart.Series.Select(s => s.Label));
        var single = MetricChart.Build(detail with { Series = [detail.Series[0]] });
        Assert.Equal((2, "web"), (single.CommonAttributes.Count, Assert.Single(single.Series).Label));
    }
}
