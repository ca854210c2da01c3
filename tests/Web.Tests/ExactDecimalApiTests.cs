using System.Text.Json;
using Trades;
using Trades.Analytics;
using Trades.Storage;

namespace Web.Tests;

/// <summary>Totals computed by the pipeline reach API clients as exact JSON numbers.</summary>
[Collection(WebAppCollection.Name)]
public sealed class ExactDecimalApiTests(WebAppFixture app)
{
    [Fact]
    public async Task A_total_volume_that_double_arithmetic_gets_wrong_is_an_exact_json_number()
    {
        // A day and area no other test reads; removed again below, since the collection shares one database.
        var day = new DateOnly(2031, 6, 1);
        var start = MarketTime.StartOfDayUtc(day).AddHours(10);
        Trade Leg(long id, decimal price, decimal volume) => new()
        {
            TradeId = 9_310_000 + id,
            RemoteTradeId = "",
            Side = TradeSide.Sell,
            Product = TradeColumns.HourProduct,
            DeliveryStart = start,
            DeliveryEnd = start.AddHours(1),
            ExecutionTime = start.AddHours(-3).AddSeconds(id),
            DeliveryArea = "XQ",
            TradePhase = "CONT",
            UserDefinedBlock = "N",
            SelfTrade = "U",
            Price = price,
            Currency = "EUR",
            Volume = volume,
            VolumeUnit = "MWH",
            OrderId = id,
        };
        // 0.1 + 0.2 + 0.4 is 0.7000000000000001 in double
        var analysis = TradeAnalytics.Analyze([Leg(1, 211.18m, 0.1m), Leg(2, 0.1m, 0.2m), Leg(3, 13.37m, 0.4m)]);
        await using (var connection = await app.DataSource.OpenConnectionAsync())
        await using (var tx = await connection.BeginTransactionAsync())
        {
            await TradeResultStore.ReplaceStatisticsAsync(connection, tx, day, "XQ", analysis, "exact-decimal-test", CancellationToken.None);
            await tx.CommitAsync();
        }
        try
        {
            var products = await GetJsonAsync("/api/trades/products?deliveryDate=2031-06-01&area=XQ");
            var top = await GetJsonAsync("/api/trades/top?deliveryDate=2031-06-01&area=XQ");

            var stats = Assert.Single(products.GetProperty("items").EnumerateArray());
            Assert.Equal("0.7", stats.GetProperty("totalVolume").GetRawText());
            Assert.Equal("0.1", stats.GetProperty("minPrice").GetRawText());
            Assert.Equal("211.18", stats.GetProperty("maxPrice").GetRawText());
            Assert.Equal("0.7", Assert.Single(top.GetProperty("items").EnumerateArray()).GetProperty("totalVolume").GetRawText());
        }
        finally
        {
            await using var clean = app.DataSource.CreateCommand("DELETE FROM pipeline.product_stats WHERE delivery_area = 'XQ'; DELETE FROM pipeline.top_products WHERE delivery_area = 'XQ'");
            await clean.ExecuteNonQueryAsync();
        }
    }

    async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await app.Http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement;
    }
}
