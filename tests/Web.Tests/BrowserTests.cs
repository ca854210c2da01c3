using Microsoft.Playwright;

namespace Web.Tests;

/// <summary>The pages in Debian Chromium against the seeded database; also refreshes docs/screenshots/.</summary>
[Collection(WebAppCollection.Name)]
public sealed class BrowserTests(WebAppFixture app)
{
    static Task ScreenshotAsync(IPage page, string name) => TestSupport.HeadlessChromium.ScreenshotAsync(page, name);

    [Fact]
    public async Task The_trades_page_shows_the_seeded_statistics_filters_by_area_and_draws_the_top_chart()
    {
        await using var context = await app.NewContextAsync();
        var page = await Pages.OpenAsync(context, "/trades");

        var rows = page.Locator("table.data tbody tr");
        Assert.Equal(4, await rows.CountAsync());
        Assert.Equal("200.0", await rows.First.Locator("[data-total-volume]").InnerTextAsync()); // sorted by total volume, descending
        var canvas = page.Locator("[data-chart=top] canvas").First;
        await canvas.WaitForAsync();
        Assert.True(await Pages.CanvasHasInkAsync(canvas));
        Assert.Equal(4, await page.Locator("[data-top-rank]").CountAsync()); // all four products make the top 5
        await ScreenshotAsync(page, "trades");

        await page.GetByLabel("Area").SelectOptionAsync("DE");
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply filters" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        Assert.Equal("XBID_Quarter_Hour_Power", await rows.First.GetAttributeAsync("data-product"));
        Assert.Equal("91.75", await rows.First.Locator("[data-vwap]").InnerTextAsync());

        await page.GetByRole(AriaRole.Button, new() { Name = "Clear" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(4);
        await page.Locator("th button.sort", new() { HasText = "Total volume" }).ClickAsync(); // toggles to ascending
        await Assertions.Expect(rows.First.Locator("[data-total-volume]")).ToHaveTextAsync("10.0");
    }

    [Fact]
    public async Task The_live_trades_page_shows_new_statistics_without_a_reload()
    {
        await using var context = await app.NewContextAsync();
        var page = await Pages.OpenAsync(context, "/trades");
        await page.GetByLabel("Live (refresh every 3 s)").CheckAsync();
        await using (var insert = app.DataSource.CreateCommand("""
            INSERT INTO pipeline.product_stats (product, delivery_start, delivery_end, delivery_area, delivery_date, trade_count, avg_price, vwap,
                avg_volume, total_volume, min_price, max_price, stddev_price)
            VALUES ('XBID_Half_Hour_Power', '2023-01-01 12:00+00', '2023-01-01 12:30+00', 'BE', '2023-01-01', 1, 30, 30, 5, 5, 30, 30, NULL)
            ON CONFLICT DO NOTHING
            """))
            await insert.ExecuteNonQueryAsync();
        try
        {
            await Assertions.Expect(page.Locator("tr[data-product=XBID_Half_Hour_Power]")).ToHaveCountAsync(1, new() { Timeout = 10_000 });
        }
        finally
        {
            await using var delete = app.DataSource.CreateCommand("DELETE FROM pipeline.product_stats WHERE product = 'XBID_Half_Hour_Power'");
            await delete.ExecuteNonQueryAsync();
        }
    }

    [Fact]
    public async Task The_product_page_charts_price_and_volume_and_lists_the_anomaly()
    {
        await using var context = await app.NewContextAsync();
        var page = await Pages.OpenAsync(context, "/trades/product?product=XBID_Hour_Power&area=FR&deliveryStart=2023-01-01T10:00:00Z&deliveryEnd=2023-01-01T11:00:00Z&tz=CET");

        Assert.Equal("4", await page.Locator("[data-fact=tradeCount]").InnerTextAsync());
        Assert.Equal("55.25 EUR/MWh", await page.Locator("[data-fact=vwap]").InnerTextAsync());
        var canvas = page.Locator("[data-chart=price] canvas").First;
        await canvas.WaitForAsync();
        Assert.True(await Pages.CanvasHasInkAsync(canvas));
        Assert.Contains("Price (EUR/MWh)", await page.Locator("[data-chart=price]").InnerTextAsync());
        var anomaly = page.Locator($"tr[data-anomaly='{SeedData.AnomalousTradeId}'][data-method=robust]");
        Assert.Equal("61.38", await anomaly.Locator("[data-score]").InnerTextAsync());
        Assert.Contains("2023-01-01 09:00:00 CET", await anomaly.InnerTextAsync()); // 08:00 UTC shown in market time
        await ScreenshotAsync(page, "product");
    }

    [Fact]
    public async Task The_anomaly_and_quarantine_pages_render_their_rows()
    {
        await using var context = await app.NewContextAsync();
        var anomalies = await Pages.OpenAsync(context, "/trades/anomalies");
        Assert.Equal(2, await anomalies.Locator("tr[data-anomaly]").CountAsync());
        await anomalies.GetByLabel("Method").SelectOptionAsync("relative-to-mean");
        await anomalies.GetByRole(AriaRole.Button, new() { Name = "Apply filters" }).ClickAsync();
        await Assertions.Expect(anomalies.Locator("tr[data-anomaly]")).ToHaveCountAsync(1);
        await ScreenshotAsync(anomalies, "anomalies");

        var quarantine = await Pages.OpenAsync(context, "/trades/quarantine");
        Assert.Equal("energy.trades.v1/0@17", await quarantine.Locator("tr", new() { HasText = "Price: 'abc' is not a number" }).Locator("td").Nth(2).InnerTextAsync());
        await ScreenshotAsync(quarantine, "quarantine");
    }

    [Fact]
    public async Task An_operator_imports_a_csv_from_the_browser_and_sees_the_counts()
    {
        await using var context = await app.NewContextAsync();
        var login = await context.NewPageAsync();
        await login.GotoAsync("/account/login?returnUrl=%2Ftrades%2Fimport");
        await login.GetByLabel("Name").FillAsync(WebAppFixture.OperatorName);
        await login.GetByLabel("Password").FillAsync(app.OperatorPassword);
        await login.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await login.WaitForURLAsync("**/trades/import");
        await login.Locator(".page[data-ready=true]").WaitForAsync();
        var csv = string.Join("\n",
            "TradeId,RemoteTradeId,Side,Product,DeliveryStart,DeliveryEnd,ExecutionTime,DeliveryArea,TradePhase,UserDefinedBlock,SelfTrade,Price,Currency,Volume,VolumeUnit,OrderID",
            "7200001,1,SELL,XBID_Hour_Power,2023-03-02T10:00:00Z,2023-03-02T11:00:00Z,2023-03-01T16:00:00Z,AT,CONT,N,U,40,EUR,2,MWH,1",
            "7200002,2,SELL,XBID_Hour_Power,2023-03-02T11:00:00Z,2023-03-02T10:00:00Z,2023-03-01T16:00:00Z,AT,CONT,N,U,40,EUR,2,MWH,2",
            "");

        await login.Locator("input[type=file]").SetInputFilesAsync(new FilePayload { Name = "browser.csv", MimeType = "text/csv", Buffer = System.Text.Encoding.UTF8.GetBytes(csv) });
        await login.GetByRole(AriaRole.Button, new() { Name = "Import browser.csv" }).ClickAsync();

        await Assertions.Expect(login.Locator("[data-count=received]")).ToHaveTextAsync("2");
        Assert.Equal("1", await login.Locator("[data-count=inserted]").InnerTextAsync());
        Assert.Equal("1", await login.Locator("[data-count=quarantined]").InnerTextAsync());
        await using var count = app.DataSource.CreateCommand("SELECT count(*) FROM pipeline.trades WHERE trade_id IN (7200001, 7200002)");
        Assert.Equal(1L, await count.ExecuteScalarAsync());
        await ScreenshotAsync(login, "import");
    }

    [Fact]
    public async Task The_home_page_shows_pipeline_status_and_the_recent_runs_with_their_Temporal_UI_links()
    {
        await using var context = await app.NewContextAsync();
        var home = await context.NewPageAsync();
        await home.GotoAsync("/");
        await using var count = app.DataSource.CreateCommand("SELECT count(*) FROM pipeline.trade_quarantine");
        Assert.Equal(((long)(await count.ExecuteScalarAsync())!).ToString(System.Globalization.CultureInfo.InvariantCulture), await home.Locator("[data-stat=quarantined]").InnerTextAsync());
        Assert.Equal("2", await home.Locator("[data-stat=anomalies]").InnerTextAsync());
        // Other tests of the collection add trades too: the expected sources are whatever the database holds for the last hour.
        await using var sources = app.DataSource.CreateCommand("SELECT split_part(origin, ':', 1), count(*) FROM pipeline.trades WHERE ingested_at >= now() - interval '1 hour' GROUP BY 1 ORDER BY 1");
        var expected = new List<string>();
        await using (var r = await sources.ExecuteReaderAsync())
            while (await r.ReadAsync()) expected.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{r.GetString(0)}={r.GetInt64(1):N0}"));
        Assert.NotEmpty(expected); // the fixture's seed rows at least
        var shown = await home.Locator("tr[data-source]").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.source + '=' + r.querySelector('[data-hour]').innerText)");
        Assert.Equal(expected, shown);

        // Other tests of the collection start runs too: the expected list is whatever Temporal's visibility holds now.
        var expectedRuns = new List<string>();
        await foreach (var run in app.Temporal.ListWorkflowsAsync("", new Temporalio.Client.WorkflowListOptions { Limit = 8 }))
            expectedRuns.Add($"{run.Id} {run.Status} http://temporal-ui.test/namespaces/default/workflows/{run.Id}/{run.RunId}/history");
        Assert.Contains(expectedRuns, r => r.StartsWith("listed-1 Running ", StringComparison.Ordinal)); // the fixture's seeded runs at least
        var shownRuns = await home.Locator("li[data-workflow-id]").EvaluateAllAsync<string[]>(
            "items => items.map(i => i.dataset.workflowId + ' ' + i.querySelector('.run-status').textContent + ' ' + i.querySelector('[data-temporal-ui]').href)");
        Assert.Equal(expectedRuns, shownRuns);
        var failed = await app.Temporal.CountWorkflowsAsync("ExecutionStatus = 'Failed'");
        Assert.StartsWith($"Failed runs: {failed.Count}.", await home.Locator("[data-stat=failed-runs]").InnerTextAsync());
        Assert.Equal("http://dashboard.test/traces", await home.Locator("nav a[data-dashboard-link]").GetAttributeAsync("href"));
        await ScreenshotAsync(home, "home");
    }
}
