using System.Globalization;
using Grid;
using Grid.EnergyCharts;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Playwright;

namespace Web.Tests;

/// <summary>
/// The grid pages in Chromium after the real recorded payloads of 2025-12-01 (first fetch, then the revision two weeks
/// later, and the day's prices) went through the ingestion into the fixture's database; values are compared with the database.
/// </summary>
[Collection(WebAppCollection.Name)]
public sealed class GridPagesTests(WebAppFixture app)
{
    static readonly SemaphoreSlim Once = new(1, 1);
    static bool _ingested;

    async Task IngestAsync()
    {
        await Once.WaitAsync();
        try
        {
            if (_ingested) return;
            var ingestion = new GridIngestion(new EnergyChartsClient(new HttpClient(), new EnergyChartsOptions(), TimeProvider.System, NullLogger<EnergyChartsClient>.Instance),
                app.DataSource, new GridAreas(), NullLogger<GridIngestion>.Instance);
            var day = new DateOnly(2025, 12, 1);
            await ingestion.StoreAsync(Payload(GridRequest.PublicPower("de", day, day), "public_power_de_2025-12-01.json", new(2025, 12, 4, 6, 0, 0, TimeSpan.Zero)), default);
            await ingestion.StoreAsync(Payload(GridRequest.PublicPower("de", day, day), "public_power_de_2025-12-01_v2.json", new(2025, 12, 18, 6, 0, 0, TimeSpan.Zero)), default);
            await ingestion.StoreAsync(Payload(GridRequest.Price("DE-LU", day, day), "price_de-lu_2025-12-01.json", new(2025, 12, 4, 6, 0, 0, TimeSpan.Zero)), default);
            _ingested = true;
        }
        finally
        {
            Once.Release();
        }
    }

    static FetchedPayload Payload(GridRequest request, string file, DateTimeOffset at) =>
        new(request, new Uri(new Uri(EnergyChartsOptions.PublicApi), request.PathAndQuery), at, File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Recorded", file)));

    async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = app.DataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task The_production_mix_shows_each_types_energy_of_the_day_as_stored()
    {
        await IngestAsync();
        var onshore = await ScalarAsync<double>("SELECT energy_mwh FROM pipeline.grid_daily_production WHERE day = '2025-12-01' AND series = 'Wind onshore'");
        var types = await ScalarAsync<long>("SELECT count(*) FROM pipeline.grid_daily_production WHERE day = '2025-12-01'");
        await using var context = await app.NewContextAsync();

        var page = await Pages.OpenAsync(context, "/grid?from=2025-12-01&to=2025-12-01");

        Assert.Equal(onshore.ToString("N0", CultureInfo.InvariantCulture), await page.Locator("tr[data-series='Wind onshore'] td[data-day='2025-12-01']").InnerTextAsync());
        Assert.Equal(types, await page.Locator("table.data tbody tr").CountAsync());
        Assert.Equal(0, await page.Locator("tr[data-series='Load']").CountAsync());
        Assert.True(await page.Locator(".stacked-row[data-day='2025-12-01'] .segment").CountAsync() >= 10);
    }

    [Fact]
    public async Task The_change_log_lists_the_revision_old_to_new_with_the_total()
    {
        await IngestAsync();
        var total = await ScalarAsync<long>("SELECT count(*) FROM pipeline.grid_point_changes");
        var first = await ScalarAsync<string>("SELECT series || '|' || old_value || '|' || new_value FROM pipeline.grid_point_changes ORDER BY changed_at DESC, ts, series, id LIMIT 1");
        await using var context = await app.NewContextAsync();

        var page = await Pages.OpenAsync(context, "/grid/changes");

        var row = page.Locator("tr[data-change]").First;
        var (series, oldValue, newValue) = (first.Split('|')[0], double.Parse(first.Split('|')[1], CultureInfo.InvariantCulture), double.Parse(first.Split('|')[2], CultureInfo.InvariantCulture));
        Assert.Equal(series, await row.Locator("[data-series]").InnerTextAsync());
        Assert.Equal(oldValue.ToString("0.###", CultureInfo.InvariantCulture), await row.Locator("[data-old]").InnerTextAsync());
        Assert.Equal(newValue.ToString("0.###", CultureInfo.InvariantCulture), await row.Locator("[data-new]").InnerTextAsync());
        Assert.Equal(50, await page.Locator("tr[data-change]").CountAsync());
        Assert.Contains($"({total:N0} rows)", await page.Locator("nav.pager").InnerTextAsync());
        Assert.True(total >= 300); // the real revision of that day
    }

    [Fact]
    public async Task Price_vs_wind_shows_the_days_mean_price_from_the_database()
    {
        await IngestAsync();
        var price = await ScalarAsync<double>("SELECT mean_price FROM pipeline.grid_daily_price_wind WHERE day = '2025-12-01'");
        await using var context = await app.NewContextAsync();

        var page = await Pages.OpenAsync(context, "/grid/price-wind?from=2025-12-01&to=2025-12-01");

        Assert.Equal(price.ToString("F2", CultureInfo.InvariantCulture) + " EUR / MWh", await page.Locator("tr[data-day='2025-12-01'] [data-price]").InnerTextAsync());
        Assert.StartsWith("–", await page.Locator("[data-correlation=onshore]").InnerTextAsync()); // one day: no correlation
    }

    [Fact]
    public async Task The_changes_endpoint_pages_the_log_with_a_total_and_refuses_bad_parameters()
    {
        await IngestAsync();
        var total = await ScalarAsync<long>("SELECT count(*) FROM pipeline.grid_point_changes WHERE series = 'Biomass'");

        using var ok = await app.Http.GetAsync("/api/grid/changes?from=2025-12-01&to=2025-12-01&type=Biomass&offset=10&limit=10");
        using var bad = await app.Http.GetAsync("/api/grid/changes?from=2025-12-02&to=2025-12-01");

        var body = System.Text.Json.JsonDocument.Parse(await ok.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(96, total);
        Assert.Equal(total, body.GetProperty("total").GetInt64());
        Assert.Equal(10, body.GetProperty("items").GetArrayLength());
        Assert.All(body.GetProperty("items").EnumerateArray(), i => Assert.Equal("Biomass", i.GetProperty("series").GetString()));
        Assert.Equal(400, (int)bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
        Assert.Contains("is before from", await bad.Content.ReadAsStringAsync());
    }
}
