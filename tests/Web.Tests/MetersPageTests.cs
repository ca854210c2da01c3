using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace Web.Tests;

/// <summary>The meter page and /api/meters over meter rows written here, checked against the database.</summary>
[Collection(WebAppCollection.Name)]
public sealed class MetersPageTests(WebAppFixture app) : IAsyncLifetime
{
    const string Device = "device-web";
    const string Run = "meters-web-1";

    public async Task InitializeAsync()
    {
        // Two hours of one series: every third grid point measured, the rest filled linearly; one run with two checks.
        await using var command = app.DataSource.CreateCommand("""
            DELETE FROM meters.cleaned WHERE device_id = 'device-web';
            DELETE FROM meters.runs WHERE run_id = 'meters-web-1';
            INSERT INTO meters.cleaned (device_id, signal_name, ts, value, method, source_offset, run_id)
            SELECT 'device-web', 'energy export', '2024-05-23 08:00Z'::timestamptz + i * interval '10 s', 50 + (i % 20),
                   CASE WHEN i % 3 = 0 OR i = 719 THEN 'measured' ELSE 'linear' END, CASE WHEN i % 3 = 0 OR i = 719 THEN i END, 'meters-web-1'
            FROM generate_series(0, 719) i;
            INSERT INTO meters.runs (run_id, started_at, finished_at, status, records, measurements, unknown, quarantined)
            VALUES ('meters-web-1', now() + interval '1 day', now() + interval '1 day', 'failed', 241, 240, 0, 1);
            INSERT INTO meters.check_results (run_id, ordinal, check_name, severity, passed, series, count, message) VALUES
                ('meters-web-1', 0, 'parse', 'warning', false, NULL, 1, '1 of 241 records did not parse'),
                ('meters-web-1', 1, 'value-range', 'error', false, 'device-web/energy export', 3, '3 value(s) outside 50..60');
            """);
        await command.ExecuteNonQueryAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task The_meter_page_draws_measured_and_filled_points_apart_with_the_database_values_and_shows_completeness_and_the_run_checks()
    {
        await using var context = await app.NewContextAsync();
        var page = await Pages.OpenAsync(context, "/meters?series=" + Uri.EscapeDataString($"{Device}/energy export") + "&points=720");

        var measured = await Scalar<long>("SELECT count(*) FROM meters.cleaned WHERE device_id = 'device-web' AND method = 'measured'");
        Assert.Equal(241, measured);
        Assert.Equal(measured, await page.Locator("svg.meter-chart circle.measured").CountAsync());
        Assert.Equal(720 - measured, await page.Locator("svg.meter-chart rect.filled").CountAsync());
        var filled = page.Locator("svg.meter-chart rect.filled").First; // 08:00:10, the first filled point
        Assert.Equal("linear", await filled.GetAttributeAsync("data-method"));
        Assert.Equal(await Scalar<double>("SELECT value FROM meters.cleaned WHERE device_id = 'device-web' AND ts = '2024-05-23 08:00:10Z'"),
            double.Parse((await filled.GetAttributeAsync("data-value"))!, CultureInfo.InvariantCulture));
        Assert.Equal("120", await page.Locator("tr[data-hour='2024-05-23T08:00'] [data-measured]").InnerTextAsync());
        Assert.Equal("121", await page.Locator("tr[data-hour='2024-05-23T09:00'] [data-measured]").InnerTextAsync());

        // The newest run is shown with its checks; the failed error-level check is there with its count.
        Assert.Equal("failed", await page.Locator($"tr[data-run='{Run}']").GetAttributeAsync("data-status"));
        Assert.Equal("3", await page.Locator("tr[data-check='value-range'] [data-count]").InnerTextAsync());
        Assert.Equal("false", await page.Locator("tr[data-check='value-range']").GetAttributeAsync("data-passed"));
        await TestSupport.HeadlessChromium.ScreenshotAsync(page, "meters");
    }

    [Fact]
    public async Task The_points_endpoint_answers_columns_with_each_points_method_and_rejects_a_bad_time()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/meters/series/{Device}/energy%20export/points?limit=3");
        request.Headers.Authorization = app.ViewerAuth;
        using var response = await app.Http.SendAsync(request);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["measured", "linear", "measured"], body.GetProperty("method").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(new DateTimeOffset(2024, 5, 23, 9, 59, 50, TimeSpan.Zero).ToUnixTimeSeconds(), body.GetProperty("time")[2].GetInt64());
        Assert.False(body.GetProperty("complete").GetBoolean());

        using var bad = new HttpRequestMessage(HttpMethod.Get, $"/api/meters/series/{Device}/energy%20export/points?from=yesterday");
        bad.Headers.Authorization = app.ViewerAuth;
        using var rejected = await app.Http.SendAsync(bad);
        Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
        Assert.Contains("from", await rejected.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Starting_a_meter_run_needs_an_operator_and_a_valid_range()
    {
        using var viewer = new HttpRequestMessage(HttpMethod.Post, "/api/meters/runs") { Content = JsonContent.Create(new { from = "2024-05-23T08:00:00Z", to = "2024-05-23T09:00:00Z" }) };
        viewer.Headers.Authorization = app.ViewerAuth;
        Assert.Equal(HttpStatusCode.Forbidden, (await app.Http.SendAsync(viewer)).StatusCode);

        using var backwards = new HttpRequestMessage(HttpMethod.Post, "/api/meters/runs") { Content = JsonContent.Create(new { from = "2024-05-23T09:00:00Z", to = "2024-05-23T08:00:00Z" }) };
        backwards.Headers.Authorization = app.OperatorAuth;
        using var response = await app.Http.SendAsync(backwards);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("must not be before from", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    async Task<T> Scalar<T>(string sql)
    {
        await using var command = app.DataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
