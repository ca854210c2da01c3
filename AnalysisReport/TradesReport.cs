using System.Globalization;
using System.Text;
using ScottPlot;
using Trades;
using Trades.Analytics;
using Trades.Generation;

namespace AnalysisReport;

/// <summary>
/// Trades: a generated multi-area delivery day (ground truth of the injected anomalies known) analysed by the code the
/// pipeline's workflow runs (<see cref="TradeAnalytics"/> with the default <see cref="AnalysisOptions"/>).
/// </summary>
static class TradesReport
{
    public static readonly TradeGenerationOptions Generated = new()
    {
        FirstDay = new DateOnly(2023, 1, 1),
        Areas = TradeGenerator.Areas,
        Seed = 1,
        Anomalies = 40,
    };

    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Write(string figures)
    {
        var (trades, injected) = TradeGenerator.Generate(Generated);
        var result = TradeAnalytics.Analyze(trades);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"""
            ## Trades: a generated day in {Generated.Areas.Count} areas

            **Data: generated.** `TradeGenerator` (seed {Generated.Seed}) made delivery day {Generated.FirstDay:yyyy-MM-dd} in
            {string.Join(", ", Generated.Areas)}: {trades.Count:N0} trade legs, {result.DistinctTrades:N0} distinct trades,
            {result.ProductStats.Count:N0} financial products, with {injected.Count} price anomalies injected (their ground truth
            is kept, so the detector can be scored). The generator is calibrated on the shape of the exercise's real FR day;
            the other areas are scaled and shifted copies of that shape, not market data.

            """);
        text.AppendLine(PriceShape(result, figures));
        text.AppendLine(VolumeShape(result, figures));
        text.AppendLine(TopProducts(result, figures));
        text.AppendLine(Anomalies(trades, injected, result, figures));
        text.AppendLine(Legs(trades, result));
        return text.ToString();
    }

    static int MarketHour(DateTime deliveryStartUtc) => TimeZoneInfo.ConvertTimeFromUtc(deliveryStartUtc, MarketTime.Zone).Hour;

    static string PriceShape(AnalysisResult result, string figures)
    {
        var plot = Charts.Create("Hourly products: volume-weighted price by delivery hour", "delivery hour (CET)", "VWAP (EUR/MWh)");
        var lines = new List<string>();
        foreach (var area in result.ProductStats.Select(p => p.DeliveryArea).Distinct().Order(StringComparer.Ordinal))
        {
            var hours = result.ProductStats.Where(p => p.DeliveryArea == area && p.Product == TradeColumns.HourProduct)
                .Select(p => (Hour: MarketHour(p.DeliveryStart), p.Vwap)).OrderBy(h => h.Hour).ToList();
            if (hours.Count == 0) continue;
            var scatter = plot.Add.Scatter(hours.Select(h => (double)h.Hour).ToArray(), hours.Select(h => h.Vwap).ToArray());
            scatter.LegendText = area;
            var low = hours.MinBy(h => h.Vwap);
            var high = hours.MaxBy(h => h.Vwap);
            lines.Add(string.Create(Invariant, $"| {area} | {high.Hour:00}:00 ({high.Vwap:F1}) | {low.Hour:00}:00 ({low.Vwap:F1}) | {high.Vwap - low.Vwap:F1} |"));
        }
        Charts.HourTicks(plot);
        plot.ShowLegend();
        return $"""
            ### Price shape by delivery hour

            {Charts.Save(plot, figures, "price-by-hour", "VWAP of the hourly products by delivery hour, one line per area")}

            | area | most expensive hour (VWAP) | cheapest hour (VWAP) | spread EUR/MWh |
            |---|---|---|---|
            {string.Join('\n', lines)}

            The areas move together because the generator draws every area from one profile (the exercise's FR day, shifted
            and scaled): the table shows where each area's extremes fall, not how Europe's markets compare. What the figure
            does show is what the pipeline computes per financial product (VWAP over distinct trades) and that negative
            prices pass through it unchanged.

            """;
    }

    static string VolumeShape(AnalysisResult result, string figures)
    {
        var plot = Charts.Create("Traded volume by delivery hour (every product type)", "delivery hour (CET)", "volume (MWh)");
        var rows = new List<string>();
        foreach (var area in result.ProductStats.Select(p => p.DeliveryArea).Distinct().Order(StringComparer.Ordinal))
        {
            var byHour = result.ProductStats.Where(p => p.DeliveryArea == area)
                .GroupBy(p => MarketHour(p.DeliveryStart)).OrderBy(g => g.Key)
                .Select(g => (Hour: g.Key, Volume: g.Sum(p => p.TotalVolume))).ToList();
            var scatter = plot.Add.Scatter(byHour.Select(h => (double)h.Hour).ToArray(), byHour.Select(h => h.Volume).ToArray());
            scatter.LegendText = area;
            var total = byHour.Sum(h => h.Volume);
            var peak = byHour.MaxBy(h => h.Volume);
            var hourly = result.ProductStats.Where(p => p.DeliveryArea == area && p.Product == TradeColumns.HourProduct).Sum(p => p.TotalVolume);
            rows.Add(string.Create(Invariant, $"| {area} | {total:N0} | {peak.Hour:00}:00 ({peak.Volume:N0}) | {hourly / total:P0} |"));
        }
        Charts.HourTicks(plot);
        plot.ShowLegend(Alignment.UpperLeft); // the evening peak fills the right
        return $"""
            ### Volume by delivery hour

            {Charts.Save(plot, figures, "volume-by-hour", "Traded volume by delivery hour, one line per area")}

            | area | volume MWh | busiest delivery hour | share in hourly products |
            |---|---|---|---|
            {string.Join('\n', rows)}

            Volume is counted once per trade (the SELL leg when both legs exist), over hourly, half-hourly and quarter-hourly
            products whose delivery starts in the hour.

            """;
    }

    static string TopProducts(AnalysisResult result, string figures)
    {
        var top = result.TopProducts.Where(t => t.Scope == TopProduct.OverallScope).OrderBy(t => t.Rank).ToList();
        var plot = Charts.Create("Top products by volume (all areas)", "volume (MWh)", "");
        var bars = plot.Add.Bars(top.Select(t => (double)t.TotalVolume).ToArray());
        bars.Horizontal = true;
        plot.Axes.Left.SetTicks([.. top.Select((_, i) => (double)i)], [.. top.Select(Label)]);
        plot.Axes.Margins(left: 0);
        var rows = top.Select(t => string.Create(Invariant, $"| {t.Rank} | {Label(t)} | {t.TotalVolume:N1} | {t.TradeCount:N0} | {t.Vwap:F2} | {t.MinPrice:F2}–{t.MaxPrice:F2} |"));
        return $"""
            ### Top products

            {Charts.Save(plot, figures, "top-products", "The five financial products with the most volume")}

            | rank | product | volume MWh | trades | VWAP | price range |
            |---|---|---|---|---|---|
            {string.Join('\n', rows)}

            """;
    }

    static string Label(ProductStats p) => Label(p.FinancialProduct);

    /// <summary>"FR Hour 18:00": area, product type, delivery start in market time.</summary>
    static string Label(FinancialProduct p) =>
        string.Create(Invariant, $"{p.DeliveryArea} {p.Product.Replace("XBID_", "", StringComparison.Ordinal).Replace("_Power", "", StringComparison.Ordinal)} {TimeZoneInfo.ConvertTimeFromUtc(p.DeliveryStart, MarketTime.Zone):HH:mm}");

    static string Anomalies(IReadOnlyList<Trade> trades, IReadOnlyList<InjectedAnomaly> injected, AnalysisResult result, string figures)
    {
        var truth = injected.Select(a => a.TradeId).ToHashSet();
        var found = result.Anomalies.Select(a => a.TradeId).ToHashSet();
        var hits = found.Count(truth.Contains);
        var precision = found.Count == 0 ? 0 : (double)hits / found.Count;
        var recall = truth.Count == 0 ? 0 : (double)hits / truth.Count;
        static double MeanConfidence(IEnumerable<PriceAnomaly> anomalies) => anomalies.Select(a => a.Confidence ?? 0).DefaultIfEmpty(0).Average();
        var confidenceHit = MeanConfidence(result.Anomalies.Where(a => truth.Contains(a.TradeId)));
        var confidenceMiss = MeanConfidence(result.Anomalies.Where(a => !truth.Contains(a.TradeId)));
        var falsePositives = result.Anomalies.Count(a => !truth.Contains(a.TradeId));

        // The strongest finding, in the context of its product's other trades.
        var strongest = result.Anomalies.MaxBy(a => Math.Abs(a.Score))!;
        var product = new FinancialProduct(strongest.Product, strongest.DeliveryStart, strongest.DeliveryEnd, strongest.DeliveryArea);
        var legs = trades.Where(t => t.FinancialProduct == product).DistinctBy(t => t.TradeId).OrderBy(t => t.ExecutionTime).ToList();
        var plot = Charts.Create($"Context of the strongest anomaly: {Label(product)}", "execution time (UTC)", "price (EUR/MWh)");
        var all = plot.Add.Markers(legs.Select(t => t.ExecutionTime.ToOADate()).ToArray(), legs.Select(t => (double)t.Price).ToArray());
        all.LegendText = "trades";
        var flagged = result.Anomalies.Where(a => a.Product == product.Product && a.DeliveryStart == product.DeliveryStart && a.DeliveryArea == product.DeliveryArea).ToList();
        var marked = plot.Add.Markers(flagged.Select(a => a.ExecutionTime.ToOADate()).ToArray(), flagged.Select(a => a.Price).ToArray(), MarkerShape.OpenCircle, 14, Colors.Red);
        marked.LegendText = "flagged";
        var reference = plot.Add.HorizontalLine(strongest.Reference);
        reference.LegendText = "median";
        plot.Axes.DateTimeTicksBottom();
        plot.ShowLegend();

        var top = result.Anomalies.OrderByDescending(a => Math.Abs(a.Score)).Take(5).Select(a => string.Create(Invariant,
            $"| {Label(new FinancialProduct(a.Product, a.DeliveryStart, a.DeliveryEnd, a.DeliveryArea))} | {a.Price:F2} | {a.Reference:F2} | {a.Score:F1} | {a.Confidence:F2} | {(truth.Contains(a.TradeId) ? injected.First(i => i.TradeId == a.TradeId).Kind : "not injected")} |"));
        return string.Create(Invariant, $"""
            ### Anomalies, with context and how sure the detector is

            The robust detector (default settings, docs/trades.md) flagged **{found.Count}** trades; **{hits}** of them are among
            the {truth.Count} injected anomalies: precision **{precision:P0}**, recall **{recall:P0}**. Each finding carries a
            confidence (0.5–1: the chance it would still exceed the threshold if its product's scale were estimated again):
            {(falsePositives == 0
                ? $"on average **{confidenceHit:F2}** for the findings here, none of which is a false alarm."
                : $"on average **{confidenceHit:F2}** for the true findings and **{confidenceMiss:F2}** for the {falsePositives} false alarms.")}
            {result.UnscoredProducts:N0} products had too few trades to be scored. The injected anomalies move a price far
            from its product's level (the weakest one found has |z| = {result.Anomalies.Where(a => truth.Contains(a.TradeId)).Select(a => Math.Abs(a.Score)).DefaultIfEmpty(0).Min():F1}
            against a threshold of {new AnalysisOptions().RobustThreshold:F0}), so a perfect score here says the detector catches gross errors without crying wolf on
            ordinary noise; docs/trades.md measures precision and recall over several trade densities and settings.

            {Charts.Save(plot, figures, "anomaly-context", "The trades of the product with the strongest anomaly, flagged trades circled")}

            | product | price | median | z | confidence | ground truth |
            |---|---|---|---|---|---|
            {string.Join('\n', top)}

            """);
    }

    static string Legs(IReadOnlyList<Trade> trades, AnalysisResult result)
    {
        var sides = trades.GroupBy(t => t.TradeId).Select(g => g.Select(t => t.Side).Distinct().Count()).ToList();
        var both = sides.Count(s => s == 2);
        var mismatches = result.Findings.Count(f => f.Kind == DataQualityFinding.LegMismatch);
        var conflicts = result.Findings.Count(f => f.Kind == DataQualityFinding.ConflictingDuplicate);
        return string.Create(Invariant, $"""
            ### BUY/SELL consistency

            A trade appears as a BUY leg, a SELL leg or both. Of {sides.Count:N0} trades, {both:N0} ({(double)both / sides.Count:P0}) have both
            legs and {sides.Count - both:N0} only one (the exercise's file has the same mix, which is why every statistic counts a
            TradeId once). Where both legs exist they agree: **{mismatches}** leg mismatches (price, volume or product differing)
            and **{conflicts}** conflicting duplicates. The generator writes consistent legs, so this is a check that the
            counting is right, not evidence about real exchange data; the same check runs on every window in production
            (`pipeline.trade_findings`).

            """);
    }
}
