using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Telemetry;
using Telemetry.Storage;

namespace Web.Tests;

/// <summary>
/// Metric points stored as the OTLP receiver stores them, read back through the metrics API and, in Chromium, the metrics
/// pages; also takes the telemetry-metrics screenshot.
/// </summary>
[Collection(WebAppCollection.Name)]
public sealed class MetricsPageTests(WebAppFixture app)
{
    const string Service = "metrics-page-test";
    const long T0 = 1_767_225_600_000_000_000; // 2026-01-01T00:00:00Z in unix ns
    const long S = 1_000_000_000;

    static MetricPointRecord Point(string name, string? unit, MetricKind kind, MetricTemporality temporality, bool monotonic, (string Key, string Value) attribute,
        long atS, double? value, HistogramBuckets? histogram = null) =>
        new(Service, "Pipeline.Test", name, $"{name} (seeded)", unit, kind, temporality, monotonic, new Dictionary<string, string> { [attribute.Key] = attribute.Value },
            T0 - 10 * S, T0 + atS * S, value, histogram);

    static HistogramBuckets Buckets(long count, double sum, params long[] counts) => new(count, sum, 1, 24, counts, [0, 5, 10, 25]);

    /// <summary>
    /// A counter of trades per area (rates FR 10, 20, 30, 40 /s; DE 5 /s), a gauge per queue (12 series: more than the
    /// chart shows) and a histogram of import durations (10 recordings between its points: mean 15 ms, p95 24.0625 ms).
    /// </summary>
    async Task SeedAsync()
    {
        await TelemetrySchema.ApplyAsync(app.DataSource);
        await using (var delete = app.DataSource.CreateCommand("DELETE FROM telemetry.metric_points WHERE service_name = $1"))
        {
            delete.Parameters.AddWithValue(Service);
            await delete.ExecuteNonQueryAsync();
        }
        var points = new List<MetricPointRecord>();
        double[] fr = [0, 100, 300, 600, 1000], de = [0, 50, 100, 150, 200];
        for (var i = 0; i < 5; i++)
        {
            points.Add(Point("trades.ingested", "{trade}", MetricKind.Sum, MetricTemporality.Cumulative, true, ("area", "FR"), i * 10, fr[i]));
            points.Add(Point("trades.ingested", "{trade}", MetricKind.Sum, MetricTemporality.Cumulative, true, ("area", "DE"), i * 10, de[i]));
        }
        for (var q = 1; q <= 12; q++)
            for (var i = 0; i < 3; i++)
                points.Add(Point("queue.depth", "{message}", MetricKind.Gauge, MetricTemporality.Unspecified, false, ("queue", $"q{q:00}"), i * 10, q * 10 + i));
        points.Add(Point("import.duration", "ms", MetricKind.Histogram, MetricTemporality.Cumulative, false, ("source", "csv"), 10, null, Buckets(2, 6, 0, 2, 0, 0, 0)));
        points.Add(Point("import.duration", "ms", MetricKind.Histogram, MetricTemporality.Cumulative, false, ("source", "csv"), 20, null, Buckets(12, 156, 0, 2, 2, 8, 0)));
        await new TelemetryWriter(app.DataSource).WriteMetricPointsAsync(points);
    }

    [Fact]
    public async Task The_metrics_list_shows_each_metric_with_kind_unit_latest_value_and_the_points_stored()
    {
        await SeedAsync();
        await using var points = app.DataSource.CreateCommand("SELECT count(*) FROM telemetry.metric_points WHERE service_name = $1 AND name = 'queue.depth'");
        points.Parameters.AddWithValue(Service);
        var stored = (long)(await points.ExecuteScalarAsync())!;

        await using var context = await app.NewContextAsync();
        var page = await Pages.OpenAsync(context, $"/telemetry/metrics?service={Service}");

        Assert.Equal(["import.duration", "queue.depth", "trades.ingested"], await page.Locator("tr[data-metric]").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.metric)"));
        var queue = page.Locator("tr[data-metric='queue.depth']");
        Assert.Equal(stored.ToString(CultureInfo.InvariantCulture), await queue.Locator("[data-points]").InnerTextAsync());
        Assert.Equal(("gauge", "12"), (await queue.Locator("[data-kind]").InnerTextAsync(), await queue.Locator("[data-series]").InnerTextAsync()));
        Assert.Equal("12 recorded, mean 13 ms", await page.Locator("tr[data-metric='import.duration'] [data-latest]").InnerTextAsync()); // 156 ms / 12
        Assert.Equal("counter", await page.Locator("tr[data-metric='trades.ingested'] [data-kind]").InnerTextAsync());

        await page.GetByLabel("Name contains").FillAsync("DEPTH");
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply filters" }).ClickAsync();
        await Assertions.Expect(page.Locator("tr[data-metric]")).ToHaveCountAsync(1);
        await page.GetByLabel("Name contains").FillAsync("no_such%metric");
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply filters" }).ClickAsync();
        await Assertions.Expect(page.Locator("p.empty")).ToContainTextAsync("No metric matches these filters");
    }

    [Fact]
    public async Task A_counter_is_charted_as_a_rate_per_second_per_attribute_set_and_the_chart_is_drawn()
    {
        await SeedAsync();
        await using var context = await app.NewContextAsync();
        var page = await Pages.OpenAsync(context, $"/telemetry/metrics/trades.ingested?service={Service}");

        var chart = page.Locator("[data-chart=metric]");
        var canvas = chart.Locator("canvas").First;
        await canvas.WaitForAsync();
        Assert.True(await Pages.CanvasHasInkAsync(canvas));
        Assert.Contains("trades.ingested: trade/s", await chart.InnerTextAsync()); // title with the axis unit
        Assert.Equal("40", await page.Locator("tr[data-series-label='area=FR'] [data-latest]").InnerTextAsync());
        Assert.Equal("5", await page.Locator("tr[data-series-label='area=DE'] [data-latest]").InnerTextAsync());
        Assert.Equal("counter", await page.Locator("[data-fact=kind]").InnerTextAsync());
        Assert.Equal(0, await page.Locator("[data-series-cap]").CountAsync());
        await TestSupport.HeadlessChromium.ScreenshotAsync(page, "telemetry-metrics");
    }

    [Fact]
    public async Task A_histogram_shows_mean_and_p95_and_a_gauge_with_too_many_series_says_which_it_shows()
    {
        await SeedAsync();
        await using var context = await app.NewContextAsync();

        var histogram = await Pages.OpenAsync(context, $"/telemetry/metrics/import.duration?service={Service}");
        await histogram.Locator("[data-chart=metric] canvas").First.WaitForAsync();
        var row = histogram.Locator($"tr[data-series-label='{Service}']"); // one series: its attributes are stated once, above
        Assert.Equal("Attributes: source=csv", await histogram.Locator("[data-common-attributes]").InnerTextAsync());
        Assert.Equal(("15", "24.0625"), (await row.Locator("[data-latest]").InnerTextAsync(), await row.Locator("[data-latest-p95]").InnerTextAsync()));

        var gauge = await Pages.OpenAsync(context, $"/telemetry/metrics/queue.depth?service={Service}");
        Assert.Contains("10 series with the highest latest value of 12", await gauge.Locator("[data-series-cap]").InnerTextAsync());
        Assert.Equal(10, await gauge.Locator("tr[data-series-label]").CountAsync());
        Assert.Equal(0, await gauge.Locator("tr[data-series-label='queue=q02']").CountAsync()); // 22: the lowest two are left out
        Assert.Equal("122", await gauge.Locator("tr[data-series-label='queue=q12'] [data-latest]").InnerTextAsync());

        var missing = await Pages.OpenAsync(context, "/telemetry/metrics/no.such.metric");
        Assert.Contains("No point of metric no.such.metric was stored", await missing.Locator("p.empty").InnerTextAsync());
    }

    [Fact]
    public async Task The_metrics_api_lists_metrics_and_returns_a_chart_and_appears_in_the_openapi_document()
    {
        await SeedAsync();

        var list = await app.Http.GetFromJsonAsync<JsonElement>($"/api/telemetry/metrics?service={Service}&name=trades");
        var counter = Assert.Single(list.EnumerateArray());
        Assert.Equal(("Sum", "Cumulative", true, 10L, 2), (counter.GetProperty("kind").GetString(), counter.GetProperty("temporality").GetString(),
            counter.GetProperty("isMonotonic").GetBoolean(), counter.GetProperty("points").GetInt64(), counter.GetProperty("series").GetInt32()));

        var chart = await app.Http.GetFromJsonAsync<JsonElement>($"/api/telemetry/metrics/trades.ingested?service={Service}&window=15m");
        Assert.Equal(("RatePerSecond", "trade/s", 2), (chart.GetProperty("display").GetString(), chart.GetProperty("axisLabel").GetString(), chart.GetProperty("totalSeries").GetInt32()));
        var fr = chart.GetProperty("series").EnumerateArray().Single(s => s.GetProperty("attributes").GetProperty("area").GetString() == "FR");
        Assert.Equal([10.0, 20.0, 30.0, 40.0], fr.GetProperty("points").EnumerateArray().Select(p => p.GetProperty("value").GetDouble()));

        using var missing = await app.Http.GetAsync("/api/telemetry/metrics/no.such.metric");
        using var badWindow = await app.Http.GetAsync("/api/telemetry/metrics/trades.ingested?window=2d");
        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.BadRequest), (missing.StatusCode, badWindow.StatusCode));
        var openApi = await app.Http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = openApi.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/telemetry/metrics", out _) && paths.TryGetProperty("/api/telemetry/metrics/{name}", out _));
    }
}
