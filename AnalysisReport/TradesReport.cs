using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Npgsql;
using ScottPlot;
using Temporalio.Client;
using Trades;
using Trades.Analytics;
using Trades.Csv;
using Trades.Generation;
using Web.Pipeline;
using Web.Trades;

namespace AnalysisReport;

/// <summary>
/// Trades: a generated multi-area delivery day (ground truth of the injected anomalies known) imported through Web's
/// API, one file per area, then a backfill of the day on Temporal (<c>TradePipelineWorkflow</c>: aggregate, rank,
/// detect, export); the figures are read back from Web's API and PostgreSQL.
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
    static readonly string Day = Generated.FirstDay.ToString("yyyy-MM-dd", Invariant);

    public static async Task<string> WriteAsync(RunningPipeline pipeline, string figures)
    {
        var days = TradeGenerator.GenerateDays(Generated).ToList();
        var injected = days.SelectMany(d => d.Anomalies).ToList();
        var imports = new List<ImportOutcome>();
        foreach (var day in days)
        {
            using var csv = new MemoryStream();
            TradeCsv.Write(csv, day.Trades, TradeGenerator.Comment(Generated with { Areas = [day.Area] }));
            using var content = new ByteArrayContent(csv.ToArray());
            content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
            imports.Add(await pipeline.PostAsync<ImportOutcome>($"/api/trades/imports", content));
            pipeline.Log($"trades {day.Area}: {imports[^1].Received:N0} legs imported, {imports[^1].Inserted:N0} new");
        }

        var backfill = await pipeline.PostJsonAsync<BackfillStarted>("/api/pipeline/backfills", new { firstDay = Day, lastDay = Day });
        await pipeline.Temporal.GetWorkflowHandle(backfill.WorkflowId).GetResultAsync();
        pipeline.Log($"trades: backfill {backfill.WorkflowId} completed");

        var stats = await pipeline.AllAsync<ProductStatsRow>($"/api/trades/products?deliveryDate={Day}");
        var top = await pipeline.GetAsync<RunningPipeline.Page<TopProductRow>>($"/api/trades/top?deliveryDate={Day}");
        var anomalies = await pipeline.AllAsync<PriceAnomalyRow>($"/api/trades/anomalies?deliveryDate={Day}&method={AnalysisOptions.Name(AnomalyMethod.Robust)}");
        var exports = await LakeExportsAsync(pipeline.Postgres);

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"""
            ## Trades: a generated day in {Generated.Areas.Count} areas

            **Data: generated.** `TradeGenerator` (seed {Generated.Seed}) made delivery day {Day} in
            {string.Join(", ", Generated.Areas)}, with {injected.Count} price anomalies injected (their ground truth is kept, so the
            detector can be scored). The generator is calibrated on the shape of the exercise's real FR day; the other areas
            are scaled and shifted copies of that shape, not market data. Each area's file went through Web's import
            (`POST /api/trades/imports`, the validation and de-duplication of the stream path): {imports.Sum(i => i.Received):N0} legs
            received, {imports.Sum(i => i.Inserted):N0} stored, {imports.Sum(i => i.Duplicates):N0} duplicates, {imports.Sum(i => i.Quarantined):N0} quarantined.
            A backfill of the day (`POST /api/pipeline/backfills`, workflow `{backfill.WorkflowId}` on Temporal) aggregated
            them into {stats.Count:N0} financial products, ranked them, detected anomalies and exported Parquet to the lake
            ({exports}). Everything below is read back from Web's API (`/api/trades/products`, `/top`, `/anomalies`,
            `/products/series`) and PostgreSQL.

            """);
        text.AppendLine(PriceShape(stats, figures));
        text.AppendLine(VolumeShape(stats, figures));
        text.AppendLine(TopProducts(top.Items, stats, figures));
        text.AppendLine(await AnomaliesAsync(pipeline, injected, anomalies, figures));
        text.AppendLine(await LegsAsync(pipeline.Postgres));
        return text.ToString();
    }

    static int MarketHour(DateTimeOffset deliveryStart) => TimeZoneInfo.ConvertTime(deliveryStart, MarketTime.Zone).Hour;

    static string PriceShape(List<ProductStatsRow> stats, string figures)
    {
        var plot = Charts.Create("Hourly products: volume-weighted price by delivery hour", "delivery hour (CET)", "VWAP (EUR/MWh)");
        var lines = new List<string>();
        foreach (var area in stats.Select(p => p.DeliveryArea).Distinct().Order(StringComparer.Ordinal))
        {
            var hours = stats.Where(p => p.DeliveryArea == area && p.Product == TradeColumns.HourProduct)
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
            does show is what the pipeline computes per financial product (VWAP over distinct trades, `pipeline.product_stats`)
            and that negative prices pass through it unchanged.

            """;
    }

    static string VolumeShape(List<ProductStatsRow> stats, string figures)
    {
        var plot = Charts.Create("Traded volume by delivery hour (every product type)", "delivery hour (CET)", "volume (MWh)");
        var rows = new List<string>();
        foreach (var area in stats.Select(p => p.DeliveryArea).Distinct().Order(StringComparer.Ordinal))
        {
            var byHour = stats.Where(p => p.DeliveryArea == area)
                .GroupBy(p => MarketHour(p.DeliveryStart)).OrderBy(g => g.Key)
                .Select(g => (Hour: g.Key, Volume: (double)g.Sum(p => p.TotalVolume))).ToList();
            var scatter = plot.Add.Scatter(byHour.Select(h => (double)h.Hour).ToArray(), byHour.Select(h => h.Volume).ToArray());
            scatter.LegendText = area;
            var total = byHour.Sum(h => h.Volume);
            var peak = byHour.MaxBy(h => h.Volume);
            var hourly = (double)stats.Where(p => p.DeliveryArea == area && p.Product == TradeColumns.HourProduct).Sum(p => p.TotalVolume);
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

    static string TopProducts(IReadOnlyList<TopProductRow> top, List<ProductStatsRow> stats, string figures)
    {
        var plot = Charts.Create("Top products by volume (all areas)", "volume (MWh)", "");
        var bars = plot.Add.Bars(top.Select(t => (double)t.TotalVolume).ToArray());
        bars.Horizontal = true;
        plot.Axes.Left.SetTicks([.. top.Select((_, i) => (double)i)], [.. top.Select(t => Label(t.Product, t.DeliveryStart, t.DeliveryArea))]);
        plot.Axes.Margins(left: 0);
        var rows = top.Select(t =>
        {
            var product = stats.Single(p => p.Product == t.Product && p.DeliveryStart == t.DeliveryStart && p.DeliveryEnd == t.DeliveryEnd && p.DeliveryArea == t.DeliveryArea);
            return string.Create(Invariant, $"| {t.Rank} | {Label(t.Product, t.DeliveryStart, t.DeliveryArea)} | {t.TotalVolume:N1} | {t.TradeCount:N0} | {t.Vwap:F2} | {product.MinPrice:F2}–{product.MaxPrice:F2} |");
        });
        return $"""
            ### Top products

            {Charts.Save(plot, figures, "top-products", "The five financial products with the most volume")}

            | rank | product | volume MWh | trades | VWAP | price range |
            |---|---|---|---|---|---|
            {string.Join('\n', rows)}

            """;
    }

    /// <summary>"FR Hour 18:00": area, product type, delivery start in market time.</summary>
    static string Label(string product, DateTimeOffset deliveryStart, string area) =>
        string.Create(Invariant, $"{area} {product.Replace("XBID_", "", StringComparison.Ordinal).Replace("_Power", "", StringComparison.Ordinal)} {TimeZoneInfo.ConvertTime(deliveryStart, MarketTime.Zone):HH:mm}");

    static string Label(PriceAnomalyRow a) => Label(a.Product, a.DeliveryStart, a.DeliveryArea);

    static async Task<string> AnomaliesAsync(RunningPipeline pipeline, List<InjectedAnomaly> injected, List<PriceAnomalyRow> anomalies, string figures)
    {
        var truth = injected.ToDictionary(a => a.TradeId);
        var hits = anomalies.Count(a => truth.ContainsKey(a.TradeId));
        var precision = anomalies.Count == 0 ? 0 : (double)hits / anomalies.Count;
        var recall = truth.Count == 0 ? 0 : (double)hits / truth.Count;
        static double MeanConfidence(IEnumerable<PriceAnomalyRow> rows) => rows.Select(a => a.Confidence ?? 0).DefaultIfEmpty(0).Average();
        var confidenceHit = MeanConfidence(anomalies.Where(a => truth.ContainsKey(a.TradeId)));
        var confidenceMiss = MeanConfidence(anomalies.Where(a => !truth.ContainsKey(a.TradeId)));
        var falsePositives = anomalies.Count(a => !truth.ContainsKey(a.TradeId));
        var threshold = anomalies.Select(a => a.Threshold).DefaultIfEmpty(new AnalysisOptions().RobustThreshold).First();

        // The strongest finding, in the context of its product's other trades, as the product page's chart reads them.
        var strongest = anomalies.MaxBy(a => Math.Abs(a.Score)) ?? throw new InvalidOperationException("the pipeline found no anomaly in a day with injected ones");
        var series = await pipeline.GetAsync<PriceSeries>(string.Create(Invariant,
            $"/api/trades/products/series?product={strongest.Product}&deliveryStart={strongest.DeliveryStart.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}&deliveryEnd={strongest.DeliveryEnd.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}&area={strongest.DeliveryArea}"));
        var times = series.Time.Select(t => DateTime.UnixEpoch.AddSeconds(t).ToOADate()).ToArray();
        var plot = Charts.Create($"Context of the strongest anomaly: {Label(strongest)}", "execution time (UTC)", "price (EUR/MWh)");
        var all = plot.Add.Markers(times, series.Price);
        all.LegendText = "trades";
        var marked = plot.Add.Markers(series.Anomalies.Select(i => times[i]).ToArray(), series.Anomalies.Select(i => series.Price[i]).ToArray(), MarkerShape.OpenCircle, 14, Colors.Red);
        marked.LegendText = "flagged";
        var reference = plot.Add.HorizontalLine(strongest.Reference);
        reference.LegendText = "median";
        plot.Axes.DateTimeTicksBottom();
        plot.ShowLegend();

        var rows = anomalies.OrderByDescending(a => Math.Abs(a.Score)).Take(5).Select(a => string.Create(Invariant,
            $"| {Label(a)} | {a.Price:F2} | {a.Reference:F2} | {a.Score:F1} | {a.Confidence:F2} | {(truth.TryGetValue(a.TradeId, out var i) ? i.Kind : "not injected")} |"));
        var weakest = anomalies.Where(a => truth.ContainsKey(a.TradeId)).Select(a => Math.Abs(a.Score)).DefaultIfEmpty(0).Min();
        return string.Create(Invariant, $"""
            ### Anomalies, with context and how sure the detector is

            The pipeline's robust detector (default settings, docs/trades.md) flagged **{anomalies.Count}** trades of the day
            (`pipeline.price_anomalies`); **{hits}** of them are among the {truth.Count} injected anomalies: precision
            **{precision:P0}**, recall **{recall:P0}**. Each finding carries a confidence (0.5–1: the chance it would still
            exceed the threshold if its product's scale were estimated again):
            {(falsePositives == 0
                ? $"on average **{confidenceHit:F2}** for the findings here, none of which is a false alarm."
                : $"on average **{confidenceHit:F2}** for the true findings and **{confidenceMiss:F2}** for the {falsePositives} false alarms.")}
            The injected anomalies move a price far from its product's level (the weakest one found has |z| = {weakest:F1}
            against a threshold of {threshold:F0}), so a high score here says the detector catches gross errors without crying
            wolf on ordinary noise; docs/trades.md measures precision and recall over several trade densities and settings.

            {Charts.Save(plot, figures, "anomaly-context", "The trades of the product with the strongest anomaly, flagged trades circled")}

            | product | price | median | z | confidence | ground truth |
            |---|---|---|---|---|---|
            {string.Join('\n', rows)}

            """);
    }

    /// <summary>BUY/SELL legs of the day's trades as stored, and the findings the pipeline's consistency check wrote.</summary>
    const string LegsQuery = """
        WITH day AS (
            SELECT trade_id, count(*) AS legs,
                   count(DISTINCT (price, volume, product, delivery_start, delivery_end, delivery_area)) AS versions
            FROM pipeline.trades
            WHERE delivery_start >= ($1::date::timestamp AT TIME ZONE 'Europe/Paris')
              AND delivery_start < (($1::date + 1)::timestamp AT TIME ZONE 'Europe/Paris')
            GROUP BY trade_id)
        SELECT count(*), count(*) FILTER (WHERE legs = 2), count(*) FILTER (WHERE versions > 1),
               (SELECT count(*) FROM pipeline.trade_findings f JOIN day USING (trade_id))
        FROM day
        """;

    static async Task<string> LegsAsync(string postgres)
    {
        await using var connection = new NpgsqlConnection(postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(LegsQuery, connection) { Parameters = { new() { Value = Generated.FirstDay } } };
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        var (trades, both, disagreeing, findings) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
        return string.Create(Invariant, $"""
            ### BUY/SELL consistency

            A trade appears as a BUY leg, a SELL leg or both. Of the {trades:N0} trades stored for the day, {both:N0} ({(double)both / trades:P0})
            have both legs and {trades - both:N0} only one (the exercise's file has the same mix, which is why every statistic
            counts a TradeId once). Where both legs exist they agree: **{disagreeing}** trades whose legs differ in price, volume
            or product (counted in `pipeline.trades`), and **{findings}** findings written by the pipeline's consistency check
            (`pipeline.trade_findings`). The generator writes consistent legs, so this is a check that storage and counting are
            right, not evidence about real exchange data; the same check runs on every window in production.

            """);
    }

    const string ExportsQuery = """
        SELECT count(*), coalesce(sum(jsonb_array_length(manifest -> 'files')), 0)
        FROM pipeline.lake_exports WHERE delivery_date = $1
        """;

    /// <summary>"5 areas, 15 Parquet files": what <c>pipeline.lake_exports</c> records for the day.</summary>
    static async Task<string> LakeExportsAsync(string postgres)
    {
        await using var connection = new NpgsqlConnection(postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(ExportsQuery, connection) { Parameters = { new() { Value = Generated.FirstDay } } };
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return string.Create(Invariant, $"{reader.GetInt64(0)} area exports, {reader.GetInt64(1)} Parquet files, recorded in `pipeline.lake_exports`");
    }
}
