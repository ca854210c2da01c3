namespace Web.Tests;

/// <summary>The product chart with as many trades as the busiest product can have: every point reaches uPlot.</summary>
[Collection(WebAppCollection.Name)]
public sealed class LargeChartTests(WebAppFixture app)
{
    const int Trades = 100_000;
    const string ProductPath = "/trades/product?product=XBID_Hour_Power&area=AT&deliveryStart=2023-04-01T18:00:00Z&deliveryEnd=2023-04-01T19:00:00Z";
    static readonly DateTimeOffset TradingOpens = new(2023, 3, 31, 14, 0, 0, TimeSpan.Zero);

    // A product no other test reads (its own area, delivery hour and trade IDs), removed afterwards. Trade i executes
    // 0.96 s after trade i - 1, at price 120 + 30·sin(i/5000) + i mod 7; 40 % of trades have both legs.
    const string Seed = """
        INSERT INTO pipeline.trades (trade_id, side, remote_trade_id, product, delivery_start, delivery_end, execution_time, delivery_area, trade_phase,
            user_defined_block, self_trade, price, currency, volume, volume_unit, order_id, origin)
        SELECT 60000000 + i, side, i::text, 'XBID_Hour_Power', '2023-04-01 18:00+00', '2023-04-01 19:00+00', $2 + i * interval '960 ms', 'AT',
               'CONT', 'N', 'U', round((120 + 30 * sin(i / 5000.0) + i % 7)::numeric, 2), 'EUR', 1 + (i % 40) / 10.0, 'MWH', i, 'large-chart-test'
        FROM generate_series(1, $1) AS i CROSS JOIN (VALUES ('SELL'), ('BUY')) AS legs(side)
        WHERE side = 'SELL' OR i % 5 < 2
        """;

    [Fact]
    public async Task A_product_with_100k_trades_is_charted_with_every_point_in_execution_order()
    {
        await using (var seed = app.DataSource.CreateCommand(Seed))
        {
            seed.Parameters.Add(new() { Value = Trades });
            seed.Parameters.Add(new() { Value = TradingOpens });
            await seed.ExecuteNonQueryAsync();
        }
        try
        {
            await using var context = await app.NewContextAsync();
            var page = await context.NewPageAsync();
            await page.GotoAsync(ProductPath);
            var chart = page.Locator("[data-chart=price][data-points]");
            await chart.WaitForAsync(new() { Timeout = 20_000 });

            Assert.Equal("100000", await chart.GetAttributeAsync("data-points"));
            // time, price, volume and anomaly series each hold one value per trade (one point per TradeId, not per leg)
            var lengths = await chart.EvaluateAsync<int[]>("el => pipelineCharts.instance(el).data.map(d => d.length)");
            Assert.Equal([Trades, Trades, Trades, Trades], lengths);
            var first = await chart.EvaluateAsync<double[]>("el => pipelineCharts.instance(el).data.slice(0, 3).map(d => d[0])");
            var last = await chart.EvaluateAsync<double[]>("el => pipelineCharts.instance(el).data.slice(0, 3).map(d => d[d.length - 1])");
            Assert.Equal([TradingOpens.AddMilliseconds(960).ToUnixTimeMilliseconds() / 1000.0, 121.01, 1.1], first); // i = 1
            Assert.Equal([TradingOpens.AddMilliseconds(960.0 * Trades).ToUnixTimeMilliseconds() / 1000.0, Math.Round(120 + 30 * Math.Sin(20) + 100_000 % 7, 2), 1.0], last);
            Assert.Contains("of 100000 trades", await page.Locator("figure.chart").GetAttributeAsync("aria-label"));
            Assert.Equal(0, await page.GetByText("No trades stored for this product.").CountAsync());
        }
        finally
        {
            await using var delete = app.DataSource.CreateCommand("DELETE FROM pipeline.trades WHERE origin = 'large-chart-test'");
            await delete.ExecuteNonQueryAsync();
        }
    }
}
