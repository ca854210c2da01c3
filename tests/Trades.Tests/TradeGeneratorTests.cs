using Trades.Csv;
using Trades.Generation;

namespace Trades.Tests;

[Collection(GeneratedDayCollection.Name)]
public sealed class TradeGeneratorTests(GeneratedFrDay fixture)
{
    private IReadOnlyList<Trade> Trades => fixture.Clean.Trades;

    [Fact]
    public void The_same_seed_gives_byte_identical_csv_and_another_seed_does_not()
    {
        static byte[] Csv(ulong seed)
        {
            var options = new TradeGenerationOptions { FirstDay = new DateOnly(2023, 6, 1), Areas = ["BE"], Seed = seed, Anomalies = 5, Intensity = 0.2 };
            var stream = new MemoryStream();
            TradeCsv.Write(stream, TradeGenerator.Generate(options).Trades, TradeGenerator.Comment(options));
            return stream.ToArray();
        }

        Assert.Equal(Csv(7), Csv(7));
        Assert.NotEqual(Csv(7), Csv(8));
    }

    [Fact]
    public void A_french_day_has_about_32700_rows()
    {
        Assert.InRange(Trades.Count, 30_000, 35_500);
    }

    [Fact]
    public void Products_are_hours_half_hours_and_quarter_hours_of_the_local_delivery_day()
    {
        var products = Trades.Select(t => t.FinancialProduct).Distinct().ToList();

        Assert.Equal(24, products.Count(p => p.Product == TradeColumns.HourProduct));
        Assert.Equal(48, products.Count(p => p.Product == TradeColumns.HalfHourProduct));
        Assert.Equal(96, products.Count(p => p.Product == TradeColumns.QuarterHourProduct));
        Assert.All(products, p => Assert.Equal(p.Product switch
        {
            TradeColumns.HourProduct => 60,
            TradeColumns.HalfHourProduct => 30,
            _ => 15,
        }, (p.DeliveryEnd - p.DeliveryStart).TotalMinutes));
        // CET: the delivery day 2023-01-01 runs from 2022-12-31T23:00Z
        Assert.Equal(new DateTime(2022, 12, 31, 23, 0, 0, DateTimeKind.Utc), products.Min(p => p.DeliveryStart));
        Assert.Equal(new DateTime(2023, 1, 1, 23, 0, 0, DateTimeKind.Utc), products.Max(p => p.DeliveryEnd));
    }

    [Fact]
    public void A_summer_time_change_day_has_23_hour_products()
    {
        var day = TradeGenerator.GenerateDay(new DateOnly(2023, 3, 26), "DE", seed: 1, intensity: 0.1);

        Assert.Equal(23, day.Trades.Where(t => t.Product == TradeColumns.HourProduct).Select(t => t.DeliveryStart).Distinct().Count());
        Assert.Equal(new DateTime(2023, 3, 25, 23, 0, 0, DateTimeKind.Utc), day.Trades.Min(t => t.DeliveryStart));
    }

    [Fact]
    public void Per_product_average_prices_run_from_negative_mornings_to_evening_peaks()
    {
        var averages = Trades.GroupBy(t => t.FinancialProduct).Select(g => g.Average(t => (double)t.Price)).ToList();

        Assert.InRange(averages.Min(), -80, -25);
        Assert.InRange(averages.Max(), 200, 290);
        Assert.Contains(Trades, t => t.Price < 0);
    }

    [Fact]
    public void Each_delivery_hour_has_550_to_2200_rows_with_the_evening_busiest()
    {
        var perHour = Trades.GroupBy(t => new DateTime(t.DeliveryStart.Year, t.DeliveryStart.Month, t.DeliveryStart.Day, t.DeliveryStart.Hour, 0, 0))
            .ToDictionary(g => TimeZoneInfo.ConvertTimeFromUtc(g.Key, MarketTime.Zone).Hour, g => g.Count());

        Assert.All(perHour.Values, count => Assert.InRange(count, 500, 2_300));
        Assert.InRange(perHour.MaxBy(p => p.Value).Key, 17, 22);
    }

    [Fact]
    public void The_largest_products_by_sell_volume_are_evening_hours_of_about_2200_mw()
    {
        var top = Trades.Where(t => t.Side == TradeSide.Sell).GroupBy(t => t.FinancialProduct)
            .Select(g => (Product: g.Key, Volume: g.Sum(t => t.Volume))).OrderByDescending(p => p.Volume).Take(5).ToList();

        Assert.All(top, p =>
        {
            Assert.Equal(TradeColumns.HourProduct, p.Product.Product);
            Assert.InRange(TimeZoneInfo.ConvertTimeFromUtc(p.Product.DeliveryStart, MarketTime.Zone).Hour, 16, 23);
            Assert.InRange(p.Volume, 1_900m, 2_700m);
        });
    }

    [Fact]
    public void Volumes_start_at_a_tenth_of_a_megawatt_with_a_heavy_tail()
    {
        Assert.Equal(0.1m, Trades.Min(t => t.Volume));
        var sorted = Trades.Select(t => t.Volume).Order().ToList();
        Assert.True(sorted[^1] > 20 * sorted[sorted.Count / 2], "the largest volume is far above the median");
        Assert.InRange(Trades.GroupBy(t => t.FinancialProduct).Max(g => g.Average(t => t.Volume)), 4m, 60m);
    }

    [Fact]
    public void Trading_opens_the_day_before_and_intensifies_toward_gate_closure()
    {
        Assert.All(Trades, t => Assert.True(t.ExecutionTime <= t.DeliveryStart.AddMinutes(-30)));
        Assert.Contains(Trades, t => t.ExecutionTime < new DateTime(2022, 12, 31, 18, 0, 0, DateTimeKind.Utc));
        var lastThreeHours = Trades.Count(t => t.DeliveryStart - t.ExecutionTime <= TimeSpan.FromHours(3.5));
        Assert.True(lastThreeHours > Trades.Count / 2, $"{lastThreeHours} of {Trades.Count} in the last three hours");
    }

    [Fact]
    public void Orders_fill_several_trades_and_legs_share_a_trade_id()
    {
        var sells = Trades.Where(t => t.Side == TradeSide.Sell).ToList();
        Assert.Contains(sells.GroupBy(t => t.OrderId), g => g.Count() >= 3);
        var legs = Trades.GroupBy(t => t.TradeId).Where(g => g.Count() == 2).ToList();
        Assert.InRange(legs.Count, Trades.Count / 5, Trades.Count / 2);
        Assert.All(legs.Take(200), g =>
        {
            Assert.Equal(1, g.Count(t => t.Side == TradeSide.Buy));
            Assert.Equal(g.First() with { Side = TradeSide.Sell, OrderId = 0 }, g.Last() with { Side = TradeSide.Sell, OrderId = 0 });
        });
        Assert.Equal(Trades.Count, Trades.Select(t => (t.TradeId, t.Side)).Distinct().Count());
    }

    [Fact]
    public void Trade_ids_grow_with_execution_time()
    {
        for (var i = 1; i < Trades.Count; i++)
        {
            Assert.True(Trades[i].TradeId >= Trades[i - 1].TradeId);
            Assert.True(Trades[i].ExecutionTime >= Trades[i - 1].ExecutionTime);
        }
    }

    [Fact]
    public void Injected_anomalies_are_listed_with_their_moved_prices()
    {
        var anomalies = fixture.Day.Anomalies;
        var byId = fixture.Day.Trades.ToLookup(t => t.TradeId);

        Assert.Equal(60, anomalies.Count);
        Assert.All(anomalies, a =>
        {
            Assert.All(byId[a.TradeId], t => Assert.Equal(a.Price, t.Price));
            Assert.True(Math.Abs(a.Price - a.OriginalPrice) >= 40, $"{a.Kind} moved {a.OriginalPrice} to {a.Price}");
        });
        Assert.Contains(anomalies, a => a.Kind == "spike");
        Assert.Contains(anomalies, a => a.Kind == "drop");
    }

    [Fact]
    public void An_unknown_area_is_refused_with_the_known_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => TradeGenerator.Generate(new TradeGenerationOptions { FirstDay = new DateOnly(2023, 1, 1), Areas = ["XX"] }));

        Assert.Contains("unknown delivery area 'XX'; known: FR, DE, NL, BE, AT", error.Message);
    }
}
