using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace Web.Tests;

/// <summary>The price report API and page against two reports written into the pipeline schema as the report's activity writes them.</summary>
[Collection(WebAppCollection.Name)]
public sealed class PricesTests(WebAppFixture app)
{
    const string Latest = "prices-report-20240102T000000.000Z", Older = "prices-report-20240101T000000.000Z";

    const string Seed = """
        INSERT INTO pipeline.price_reports (report_id, run_id, topic, threshold, z_score_basis, tick_count, rejected_count, outlier_count, partitions, started_at, completed_at) VALUES
          ('prices-report-20240101T000000.000Z', 'r1', 'prices', 3, 'z = (price - mean) / standard deviation', 10, 0, 0, '[{"partition":0,"low":0,"high":10}]', '2024-01-01 00:00+00', '2024-01-01 00:00:01+00'),
          ('prices-report-20240102T000000.000Z', 'r2', 'prices', 3, 'z = (price - mean) / standard deviation', 5000, 2, 2,
           '[{"partition":0,"low":0,"high":2501},{"partition":1,"low":0,"high":2501}]', '2024-01-02 00:00+00', '2024-01-02 00:00:02+00')
        ON CONFLICT DO NOTHING;
        INSERT INTO pipeline.price_report_symbols (report_id, symbol, tick_count, min_price, max_price, mean_price, stddev_price, outlier_count) VALUES
          ('prices-report-20240101T000000.000Z', 'AAPL', 10, 1, 2, 1.5, 0.5, 0),
          ('prices-report-20240102T000000.000Z', 'AAPL', 2500, 177.52, 268.4, 190.01234, 5.12346, 1),
          ('prices-report-20240102T000000.000Z', 'MSFT', 2500, 390.1, 429.95, 410.5, 8.25, 1)
        ON CONFLICT DO NOTHING;
        INSERT INTO pipeline.price_report_outliers (report_id, ordinal, ts, symbol, price, z_score) VALUES
          ('prices-report-20240102T000000.000Z', 1, '2024-01-02 10:00:00.250+00', 'AAPL', 268.4, 15.27),
          ('prices-report-20240102T000000.000Z', 2, '2024-01-02 11:00:00.500+00', 'MSFT', 350.2, -7.25)
        ON CONFLICT DO NOTHING;
        INSERT INTO pipeline.price_report_rejects (report_id, ordinal, location, reason, payload) VALUES
          ('prices-report-20240102T000000.000Z', 1, 'partition 1 offset 7', '''price'' is the string "1.5", expected a number', '{"price": "1.5"}'),
          ('prices-report-20240102T000000.000Z', 2, 'partition 0 offset 9', 'NaN is not a number JSON allows (a price must be finite)', '{"price": NaN}')
        ON CONFLICT DO NOTHING;
        """;

    async Task SeedAsync()
    {
        await using var command = app.DataSource.CreateCommand(Seed);
        await command.ExecuteNonQueryAsync();
    }

    async Task<(HttpStatusCode Status, JsonElement Body, string? ContentType)> GetAsync(string path)
    {
        using var response = await app.Http.GetAsync(path);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement, response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_latest_report_carries_its_counts_statistics_offsets_and_rejected_messages()
    {
        await SeedAsync();

        var (status, report, _) = await GetAsync("/api/prices/reports/latest");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(Latest, report.GetProperty("report").GetProperty("reportId").GetString());
        Assert.Equal(5000, report.GetProperty("report").GetProperty("tickCount").GetInt64());
        var aapl = report.GetProperty("symbols")[0];
        Assert.Equal(("AAPL", 2500L, 177.52, 268.4, 190.01234, 5.12346), (aapl.GetProperty("symbol").GetString(), aapl.GetProperty("tickCount").GetInt64(),
            aapl.GetProperty("minPrice").GetDouble(), aapl.GetProperty("maxPrice").GetDouble(), aapl.GetProperty("meanPrice").GetDouble(), aapl.GetProperty("stddevPrice").GetDouble()));
        Assert.Equal(5002, report.GetProperty("partitions").EnumerateArray().Sum(p => p.GetProperty("high").GetInt64() - p.GetProperty("low").GetInt64()));
        Assert.Equal("partition 1 offset 7", report.GetProperty("rejected")[0].GetProperty("location").GetString());
    }

    [Fact]
    public async Task Outliers_come_largest_z_first_and_filter_by_symbol()
    {
        await SeedAsync();

        var (_, all, _) = await GetAsync($"/api/prices/reports/{Latest}/outliers");
        var (_, msft, _) = await GetAsync($"/api/prices/reports/{Latest}/outliers?symbol=MSFT");

        Assert.Equal(2, all.GetProperty("total").GetInt64());
        Assert.Equal((268.4, 15.27), (all.GetProperty("items")[0].GetProperty("price").GetDouble(), all.GetProperty("items")[0].GetProperty("zScore").GetDouble()));
        Assert.Equal(DateTimeOffset.Parse("2024-01-02T10:00:00.25Z"), all.GetProperty("items")[0].GetProperty("ts").GetDateTimeOffset());
        Assert.Equal(-7.25, Assert.Single(msft.GetProperty("items").EnumerateArray()).GetProperty("zScore").GetDouble());
    }

    [Theory]
    [InlineData("/api/prices/reports/no-such-report", HttpStatusCode.NotFound, "There is no price report 'no-such-report'.")]
    [InlineData("/api/prices/reports/no-such-report/outliers", HttpStatusCode.NotFound, "There is no price report 'no-such-report'.")]
    [InlineData("/api/prices/reports?limit=0", HttpStatusCode.BadRequest, "One or more query parameters are invalid.")]
    [InlineData("/api/prices/reports/" + Latest + "/outliers?symbol=A%20B", HttpStatusCode.BadRequest, "One or more query parameters are invalid.")]
    public async Task Unknown_reports_and_bad_parameters_answer_problem_json(string path, HttpStatusCode expected, string title)
    {
        await SeedAsync();

        var (status, problem, contentType) = await GetAsync(path);

        Assert.Equal(expected, status);
        Assert.Equal("application/problem+json", contentType);
        Assert.Equal(title, problem.GetProperty("title").GetString());
    }

    [Fact]
    public async Task Running_a_report_needs_an_operator_and_starts_its_workflow()
    {
        using var anonymous = new HttpRequestMessage(HttpMethod.Post, "/api/prices/reports") { Content = JsonContent.Create(new { threshold = 3.5 }) };
        using var viewer = new HttpRequestMessage(HttpMethod.Post, "/api/prices/reports") { Content = JsonContent.Create(new { threshold = 3.5 }) };
        viewer.Headers.Authorization = app.ViewerAuth;
        using var bad = new HttpRequestMessage(HttpMethod.Post, "/api/prices/reports") { Content = JsonContent.Create(new { threshold = -1 }) };
        bad.Headers.Authorization = app.OperatorAuth;
        using var good = new HttpRequestMessage(HttpMethod.Post, "/api/prices/reports") { Content = JsonContent.Create(new { threshold = 3.5 }) };
        good.Headers.Authorization = app.OperatorAuth;

        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Http.SendAsync(anonymous)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await app.Http.SendAsync(viewer)).StatusCode);
        using var refused = await app.Http.SendAsync(bad);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("threshold", await refused.Content.ReadAsStringAsync());
        using var accepted = await app.Http.SendAsync(good);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var started = JsonDocument.Parse(await accepted.Content.ReadAsStringAsync()).RootElement;
        var handle = app.Temporal.GetWorkflowHandle(started.GetProperty("reportId").GetString()!);
        try
        {
            var description = await handle.DescribeAsync();
            Assert.Equal("PriceReportWorkflow", description.WorkflowType);
            Assert.Equal("prices", description.TaskQueue);
            Assert.Equal($"/api/prices/reports/{handle.Id}", accepted.Headers.Location?.OriginalString);
        }
        finally
        {
            await handle.TerminateAsync("test: no worker serves the prices queue here"); // not left running for the runs list
        }
    }

    [Fact]
    public async Task The_prices_page_shows_the_latest_reports_statistics_and_outliers_and_switches_reports()
    {
        await SeedAsync();
        await using var context = await app.NewContextAsync();
        var page = await Pages.OpenAsync(context, "/prices");

        Assert.Equal(Latest, await page.Locator("[data-fact=reportId]").InnerTextAsync());
        Assert.Equal("5,000", await page.Locator("[data-fact=ticks]").InnerTextAsync());
        var aapl = page.Locator("tbody tr[data-symbol=AAPL]").First;
        Assert.Equal(("2,500", "177.52", "268.40", "190.0123", "5.1235", "1"), (await aapl.Locator("[data-count]").InnerTextAsync(), await aapl.Locator("[data-min]").InnerTextAsync(),
            await aapl.Locator("[data-max]").InnerTextAsync(), await aapl.Locator("[data-mean]").InnerTextAsync(), await aapl.Locator("[data-std]").InnerTextAsync(),
            await aapl.Locator("[data-outliers]").InnerTextAsync()));
        var outliers = page.Locator("tr[data-outlier]");
        Assert.Equal(2, await outliers.CountAsync());
        Assert.Equal(("268.40", "15.27"), (await outliers.First.Locator("[data-price]").InnerTextAsync(), await outliers.First.Locator("[data-z]").InnerTextAsync()));
        Assert.Contains("2024-01-02 10:00:00.250", await outliers.First.InnerTextAsync());
        Assert.Contains("z = (price - mean) / standard deviation", await page.Locator("[data-basis]").InnerTextAsync());
        Assert.Equal("NaN is not a number JSON allows (a price must be finite)", await page.Locator("tr[data-rejected='partition 0 offset 9'] [data-reason]").InnerTextAsync());
        await TestSupport.HeadlessChromium.ScreenshotAsync(page, "prices");

        await page.Locator("tbody tr[data-symbol=MSFT] button").ClickAsync();
        await Assertions.Expect(outliers).ToHaveCountAsync(1);
        Assert.Equal("-7.25", await outliers.First.Locator("[data-z]").InnerTextAsync());

        await page.Locator("select[name=report]").SelectOptionAsync(Older);
        await Assertions.Expect(page.Locator("[data-fact=reportId]")).ToHaveTextAsync(Older);
        Assert.Equal("10", await page.Locator("[data-fact=ticks]").InnerTextAsync());
        Assert.Equal("No tick is that far from its symbol's mean.", await page.Locator("section .empty").InnerTextAsync());
    }
}
