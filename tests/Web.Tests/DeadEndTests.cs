using System.Net;
using Microsoft.Playwright;

namespace Web.Tests;

/// <summary>
/// No dead ends in the pages: bad filters are shown, filters live in the address, known values are offered, unknown
/// products and routes answer 404 with a page that says what was asked, and imports start only when asked to.
/// </summary>
[Collection(WebAppCollection.Name)]
public sealed class DeadEndTests(WebAppFixture app)
{
    [Fact]
    public async Task A_bad_date_in_a_filter_is_shown_as_invalid_not_silently_ignored()
    {
        await using var context = await app.NewContextAsync();
        var page = await Pages.OpenAsync(context, "/trades?deliveryDate=2023-13-45");

        Assert.Contains("'2023-13-45' is not a date", await page.Locator("[data-invalid=deliveryDate]").InnerTextAsync());
        Assert.Equal("true", await page.GetByLabel("Delivery day").GetAttributeAsync("aria-invalid"));
        Assert.Equal(0, await page.Locator("table.data tbody tr").CountAsync()); // not the unfiltered statistics
        await TestSupport.HeadlessChromium.ScreenshotAsync(page, "trades-invalid-filter");

        await page.GetByLabel("Delivery day").FillAsync("2023-01-02");
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply filters" }).ClickAsync();
        await Assertions.Expect(page.Locator("table.data tbody tr")).ToHaveCountAsync(1);
        Assert.Equal(0, await page.Locator("[data-invalid-filters]").CountAsync());
    }

    [Fact]
    public async Task The_anomalies_page_reads_its_filters_from_the_address_and_writes_them_back_so_a_view_reloads()
    {
        await using var context = await app.NewContextAsync();
        var page = await Pages.OpenAsync(context, "/trades/anomalies?method=relative-to-mean&tz=CET");
        var rows = page.Locator("tr[data-anomaly]");
        Assert.Equal(["relative-to-mean"], await rows.EvaluateAllAsync<string[]>("rs => rs.map(r => r.dataset.method)"));
        Assert.Equal("relative-to-mean", await page.GetByLabel("Method").InputValueAsync());

        await page.GetByLabel("Method").SelectOptionAsync("robust");
        await page.GetByLabel("Delivery day").FillAsync("2023-01-01");
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply filters" }).ClickAsync();
        await Assertions.Expect(rows.First).ToHaveAttributeAsync("data-method", "robust");
        await page.WaitForURLAsync(url => url.Contains("method=robust", StringComparison.Ordinal));
        Assert.Contains("deliveryDate=2023-01-01", page.Url);
        Assert.Contains("tz=CET", page.Url);

        await page.ReloadAsync();
        await page.Locator(".page[data-ready=true]").WaitForAsync();
        Assert.Equal(["robust"], await rows.EvaluateAllAsync<string[]>("rs => rs.map(r => r.dataset.method)"));
        Assert.Equal(("robust", "2023-01-01"), (await page.GetByLabel("Method").InputValueAsync(), await page.GetByLabel("Delivery day").InputValueAsync()));
        Assert.Contains("CET", await rows.First.InnerTextAsync());
    }

    [Fact]
    public async Task The_area_filter_offers_the_known_areas_and_takes_them_in_any_case()
    {
        await using var context = await app.NewContextAsync();
        var page = await Pages.OpenAsync(context, "/trades/anomalies?area=fr");

        Assert.Equal(["", "DE", "FR"], await page.GetByLabel("Area").Locator("option").EvaluateAllAsync<string[]>("os => os.map(o => o.value)"));
        Assert.Equal("FR", await page.GetByLabel("Area").InputValueAsync());
        Assert.Equal(2, await page.Locator("tr[data-anomaly]").CountAsync());

        var unknown = await Pages.OpenAsync(context, "/trades?area=XX");
        Assert.Contains("'XX' is not one of: DE, FR", await unknown.Locator("[data-invalid=area]").InnerTextAsync());
    }

    [Fact]
    public async Task An_unknown_product_answers_404_with_a_page_that_says_what_was_asked_and_links_back()
    {
        const string path = "/trades/product?product=XBID_Hour_Power&area=FR&deliveryStart=2023-01-05T10:00:00Z&deliveryEnd=2023-01-05T11:00:00Z";
        using var response = await app.Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);

        await using var context = await app.NewContextAsync();
        var page = await context.NewPageAsync();
        Assert.Equal(404, (await page.GotoAsync(path))!.Status);
        Assert.Equal("Energy Pipeline · product not found", await page.TitleAsync());
        Assert.Equal("No trade of XBID_Hour_Power in FR for delivery 2023-01-05 10:00 UTC – 2023-01-05 11:00 UTC has been ingested.",
            await page.Locator("[data-not-found]").InnerTextAsync());
        Assert.Equal(0, await page.Locator("[data-chart]").CountAsync()); // no empty axes
        Assert.Equal(1, await page.GetByRole(AriaRole.Link, new() { Name = "← All products" }).CountAsync());
        await page.GetByRole(AriaRole.Link, new() { Name = "Every delivery of XBID_Hour_Power in FR" }).ClickAsync();
        await page.WaitForURLAsync("**/trades?area=FR&product=XBID_Hour_Power");
        await page.Locator(".page[data-ready=true]").WaitForAsync();
        Assert.Equal(3, await page.Locator("table.data tbody tr").CountAsync());
    }

    [Fact]
    public async Task A_product_link_without_parameters_answers_404_naming_what_is_missing_not_an_empty_title()
    {
        using var response = await app.Http.GetAsync("/trades/product");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);

        await using var context = await app.NewContextAsync();
        var page = await context.NewPageAsync();
        Assert.Equal(404, (await page.GotoAsync("/trades/product?product=XBID_Hour_Power"))!.Status);
        Assert.Equal("Energy Pipeline · product not found", await page.TitleAsync());
        Assert.Contains("area, deliveryStart, deliveryEnd are missing", await page.Locator("[data-not-found]").InnerTextAsync());
        Assert.DoesNotContain(", delivery —", await page.Locator("main").InnerTextAsync());
        await TestSupport.HeadlessChromium.ScreenshotAsync(page, "product-not-found");
    }

    [Fact]
    public async Task An_unknown_route_answers_the_apps_404_page()
    {
        using var response = await app.Http.GetAsync("/trades/nowhere?x=1");
        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);

        await using var context = await app.NewContextAsync();
        var page = await context.NewPageAsync();
        var shown = await page.GotoAsync("/trades/nowhere?x=1");
        Assert.Equal(404, shown!.Status);
        Assert.Equal("Page not found", await page.Locator("h1").InnerTextAsync());
        Assert.Equal("/trades/nowhere?x=1", await page.Locator("[data-asked]").InnerTextAsync());
        Assert.Equal(1, await page.Locator("nav[aria-label=Main]").CountAsync()); // inside the app's layout, with its navigation
        Assert.Contains("Energy Pipeline", html);
        await TestSupport.HeadlessChromium.ScreenshotAsync(page, "not-found");
    }

    [Fact]
    public async Task Every_page_has_a_favicon()
    {
        await using var context = await app.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        var href = await page.Locator("link[rel=icon]").GetAttributeAsync("href");

        using var icon = await app.Http.GetAsync(href);
        Assert.Equal(HttpStatusCode.OK, icon.StatusCode);
        Assert.Equal("image/svg+xml", icon.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Choosing_a_file_does_not_import_it_until_the_import_button_is_pressed()
    {
        await using var context = await app.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync("/account/login?returnUrl=%2Ftrades%2Fimport");
        await page.GetByLabel("Name").FillAsync(WebAppFixture.OperatorName);
        await page.GetByLabel("Password").FillAsync(app.OperatorPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync("**/trades/import");
        await page.Locator(".page[data-ready=true]").WaitForAsync();
        var csv = string.Join("\n",
            "TradeId,RemoteTradeId,Side,Product,DeliveryStart,DeliveryEnd,ExecutionTime,DeliveryArea,TradePhase,UserDefinedBlock,SelfTrade,Price,Currency,Volume,VolumeUnit,OrderID",
            "7400001,1,SELL,XBID_Hour_Power,2023-03-04T10:00:00Z,2023-03-04T11:00:00Z,2023-03-03T16:00:00Z,AT,CONT,N,U,40,EUR,2,MWH,1",
            "");

        await page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload { Name = "chosen.csv", MimeType = "text/csv", Buffer = System.Text.Encoding.UTF8.GetBytes(csv) });
        await Assertions.Expect(page.Locator("[data-chosen]")).ToContainTextAsync("chosen.csv");
        await Task.Delay(1000); // time an import on change would have taken
        Assert.Equal(0L, await CountAsync());
        Assert.Equal(0, await page.Locator("[data-import-outcome]").CountAsync());

        await page.GetByRole(AriaRole.Button, new() { Name = "Import chosen.csv" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-count=inserted]")).ToHaveTextAsync("1");
        Assert.Equal(1L, await CountAsync());
    }

    async Task<long> CountAsync()
    {
        await using var count = app.DataSource.CreateCommand("SELECT count(*) FROM pipeline.trades WHERE trade_id = 7400001");
        return (long)(await count.ExecuteScalarAsync())!;
    }
}
