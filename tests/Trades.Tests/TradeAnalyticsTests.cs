using Trades.Analytics;

namespace Trades.Tests;

public sealed class TradeAnalyticsTests
{
    private static readonly DateTime Start = new(2023, 1, 1, 10, 0, 0, DateTimeKind.Utc);
    private static long _nextId = 1;

    private static Trade T(decimal price, decimal volume, TradeSide side = TradeSide.Sell, long? id = null, int hour = 10, string area = "FR", string product = TradeColumns.HourProduct) => new()
    {
        TradeId = id ?? Interlocked.Increment(ref _nextId),
        RemoteTradeId = "",
        Side = side,
        Product = product,
        DeliveryStart = Start.AddHours(hour - 10),
        DeliveryEnd = Start.AddHours(hour - 9),
        ExecutionTime = Start.AddHours(-2),
        DeliveryArea = area,
        TradePhase = "CONT",
        UserDefinedBlock = "N",
        SelfTrade = "U",
        Price = price,
        Currency = "EUR",
        Volume = volume,
        VolumeUnit = "MWH",
        OrderId = 1,
    };

    [Fact]
    public void Statistics_of_a_product_with_negative_prices_match_the_hand_computation()
    {
        // prices -10, 20, 50 with volumes 1, 2, 3: mean 20, VWAP (-10+40+150)/6 = 30, sample stddev 30
        var stats = Assert.Single(TradeAnalytics.Analyze([T(-10, 1), T(20, 2), T(50, 3)]).ProductStats);

        Assert.Equal(3, stats.TradeCount);
        Assert.Equal(20, stats.AvgPrice, 12);
        Assert.Equal(30, stats.Vwap, 12);
        Assert.Equal(2, stats.AvgVolume, 12);
        Assert.Equal(6, stats.TotalVolume, 12);
        Assert.Equal(-10, stats.MinPrice);
        Assert.Equal(50, stats.MaxPrice);
        Assert.Equal(30, stats.StddevPrice!.Value, 12);
    }

    [Fact]
    public void A_one_trade_product_has_no_standard_deviation()
    {
        var stats = Assert.Single(TradeAnalytics.Analyze([T(-5.03m, 0.8m)]).ProductStats);

        Assert.Equal(1, stats.TradeCount);
        Assert.Equal(-5.03, stats.AvgPrice);
        Assert.Equal(-5.03, stats.Vwap, 12);
        Assert.Null(stats.StddevPrice);
    }

    [Fact]
    public void Equal_prices_have_exactly_zero_dispersion_and_no_anomalies()
    {
        var result = TradeAnalytics.Analyze(Enumerable.Range(0, 10).Select(_ => T(0.1m, 1)).ToList());

        Assert.Equal(0.0, result.ProductStats[0].StddevPrice);
        Assert.Equal(0.1, result.ProductStats[0].AvgPrice);
        Assert.Empty(result.Anomalies);
    }

    [Fact]
    public void A_trade_counts_once_with_its_sell_leg_and_disagreeing_legs_are_findings()
    {
        var result = TradeAnalytics.Analyze(
        [
            T(10, 1, TradeSide.Buy, id: 500), T(10, 1, TradeSide.Sell, id: 500),
            T(11, 1, TradeSide.Buy, id: 501), T(12, 1, TradeSide.Sell, id: 501),
            T(12, 1, TradeSide.Sell, id: 501), // a replay of the same leg
        ]);

        var stats = Assert.Single(result.ProductStats);
        Assert.Equal(2, stats.TradeCount);
        Assert.Equal(11, stats.AvgPrice, 12); // 10 and the SELL leg's 12
        Assert.Equal(5, result.Rows);
        Assert.Equal(2, result.DistinctTrades);
        Assert.Equal(1, result.DuplicateRows);
        var finding = Assert.Single(result.Findings);
        Assert.Equal(DataQualityFinding.LegMismatch, finding.Kind);
        Assert.Equal(501, finding.TradeId);
        Assert.StartsWith("SELL leg has price 12, volume 1", finding.Detail);
    }

    [Fact]
    public void Top_products_rank_by_volume_and_break_ties_by_trade_count_then_delivery_start()
    {
        var trades = new List<Trade>
        {
            T(1, 10, hour: 12), T(1, 10, hour: 12),   // 20 MW in 2 trades
            T(1, 20, hour: 11),                       // 20 MW in 1 trade: loses the tie on trade count
            T(1, 20, hour: 9),                        // 20 MW in 1 trade, earlier start: ahead of hour 11
            T(1, 50, hour: 13),
            T(1, 5, hour: 14), T(1, 1, hour: 15), T(1, 30, hour: 10, area: "DE"),
        };

        var result = TradeAnalytics.Analyze(trades);

        var overall = result.TopProducts.Where(t => t.Scope == TopProduct.OverallScope).ToList();
        Assert.Equal([13, 10, 12, 9, 11], overall.Select(t => t.DeliveryStart.Hour));
        Assert.Equal([1, 2, 3, 4, 5], overall.Select(t => t.Rank));
        var french = result.TopProducts.Where(t => t.Scope == TopProduct.DayAreaScope && t.DeliveryArea == "FR").ToList();
        Assert.Equal([13, 12, 9, 11, 14], french.Select(t => t.DeliveryStart.Hour));
        Assert.All(french, t => Assert.Equal("2023-01-01", t.DeliveryDate));
        Assert.Single(result.TopProducts, t => t.Scope == TopProduct.DayAreaScope && t.DeliveryArea == "DE");
    }

    [Fact]
    public void The_mad_method_flags_a_spike_with_its_modified_z_score()
    {
        // prices 10, 11, 12, 13, 14, 100: median 12.5, absolute deviations 2.5 1.5 0.5 0.5 1.5 87.5, MAD 1.5
        var trades = new[] { 10m, 11, 12, 13, 14, 100 }.Select(p => T(p, 1)).ToList();

        var anomaly = Assert.Single(TradeAnalytics.Analyze(trades, new AnalysisOptions { Method = AnomalyMethod.Mad }).Anomalies);

        Assert.Equal(100, anomaly.Price);
        Assert.Equal(5.0, anomaly.Threshold);
        Assert.Equal("mad", anomaly.Method);
        Assert.Null(anomaly.Confidence);
        Assert.Equal(12.5, anomaly.Reference);
        Assert.Equal(0.6745 * 87.5 / 1.5, anomaly.Score, 9);
        Assert.Equal(trades[^1].TradeId, anomaly.TradeId);
    }

    [Fact]
    public void With_zero_MAD_the_mad_method_falls_back_to_the_mean_absolute_deviation()
    {
        // five at 50 and one at 80: median 50, MAD 0, mean absolute deviation 5, z = 30 / (1.253314 * 5) = 4.79
        var trades = new[] { 50m, 50, 50, 50, 50, 80 }.Select(p => T(p, 1)).ToList();

        var anomaly = Assert.Single(TradeAnalytics.Analyze(trades, new AnalysisOptions { Method = AnomalyMethod.Mad, RobustThreshold = 3.5 }).Anomalies);

        Assert.Equal(30 / (1.253314 * 5), anomaly.Score, 9);
    }

    [Fact]
    public void Products_with_too_few_trades_are_not_scored_by_the_robust_method()
    {
        var result = TradeAnalytics.Analyze([T(10, 1), T(11, 1), T(1000, 1)]);

        Assert.Empty(result.Anomalies);
        Assert.Equal(1, result.UnscoredProducts);
    }

    [Fact]
    public void The_relative_to_mean_rule_flags_every_trade_when_the_mean_is_negative()
    {
        var trades = new[] { -10m, -12, -11, -9 }.Select(p => T(p, 1)).ToList();

        var result = TradeAnalytics.Analyze(trades, new AnalysisOptions { Method = AnomalyMethod.RelativeToMean });

        Assert.Equal(4, result.Anomalies.Count);
        Assert.All(result.Anomalies, a =>
        {
            Assert.Equal("relative-to-mean", a.Method);
            Assert.Equal(-10.5, a.Reference);
            Assert.Equal(-21, a.Threshold);
        });
    }

    [Fact]
    public void The_relative_to_mean_rule_uses_twice_the_mean_for_positive_prices()
    {
        // mean of 10, 10, 10, 70 is 25: |70 - 25| = 45 <= 50, |10 - 25| = 15: nothing flagged
        var calm = TradeAnalytics.Analyze(new[] { 10m, 10, 10, 70 }.Select(p => T(p, 1)).ToList(), new AnalysisOptions { Method = AnomalyMethod.RelativeToMean });
        // mean of 10 x 4 and 100 is 28: |100 - 28| = 72 > 56
        var spike = TradeAnalytics.Analyze(new[] { 10m, 10, 10, 10, 100 }.Select(p => T(p, 1)).ToList(), new AnalysisOptions { Method = AnomalyMethod.RelativeToMean });

        Assert.Empty(calm.Anomalies);
        var anomaly = Assert.Single(spike.Anomalies);
        Assert.Equal(72, anomaly.Score, 12);
        Assert.Equal(56, anomaly.Threshold, 12);
    }

    [Fact]
    public void Thresholds_are_configurable()
    {
        var trades = new[] { 10m, 11, 12, 13, 14, 20 }.Select(p => T(p, 1)).ToList(); // z of 20 = 0.6745 * 7.5 / 1.5 = 3.37

        Assert.Empty(TradeAnalytics.Analyze(trades, new AnalysisOptions { Method = AnomalyMethod.Mad, RobustThreshold = 3.5 }).Anomalies);
        Assert.Single(TradeAnalytics.Analyze(trades, new AnalysisOptions { Method = AnomalyMethod.Mad, RobustThreshold = 3 }).Anomalies);
    }

    [Fact]
    public void The_robust_method_floors_the_scale_so_a_tiny_spread_cannot_make_an_ordinary_price_an_anomaly()
    {
        // the case: 12 trades at 211-225, most at one price; the seed's rule gave 211.18 a z of about -28
        var prices = new[] { 224.5m, 224.5m, 224.5m, 224.5m, 224.5m, 224.6m, 224.6m, 224.4m, 225m, 223.9m, 215m, 211.18m };
        var trades = prices.Select(p => T(p, 1)).ToList();

        Assert.Contains(TradeAnalytics.Analyze(trades, new AnalysisOptions { Method = AnomalyMethod.Mad }).Anomalies, a => a.Price == 211.18m);
        Assert.Empty(TradeAnalytics.Analyze(trades).Anomalies);
    }

    [Fact]
    public void The_robust_method_flags_a_real_spike_with_its_score_reference_and_a_confidence()
    {
        var prices = new[] { 50m, 52, 49, 51, 53, 48, 50.5m, 51.5m, 49.5m, 52.5m, 47.5m, 160 };
        var trades = prices.Select(p => T(p, 1)).ToList();

        var anomaly = Assert.Single(TradeAnalytics.Analyze(trades).Anomalies);

        Assert.Equal(160, anomaly.Price);
        Assert.Equal("robust", anomaly.Method);
        Assert.Equal(50.75, anomaly.Reference);
        Assert.True(anomaly.Score > 5, $"score {anomaly.Score}");
        Assert.InRange(anomaly.Confidence!.Value, 0.8, 1);
    }

    [Fact]
    public void Confidence_is_one_half_at_the_threshold_and_grows_with_the_margin_and_the_support()
    {
        Assert.Equal(0.5, TradeAnalytics.Confidence(5, 5, 10), 12);
        Assert.True(TradeAnalytics.Confidence(-8, 5, 10) > TradeAnalytics.Confidence(6, 5, 10));
        Assert.True(TradeAnalytics.Confidence(6, 5, 100) > TradeAnalytics.Confidence(6, 5, 10));
    }
}
