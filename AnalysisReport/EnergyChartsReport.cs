using System.Globalization;
using Grid;
using Temporalio.Client;
using Web.Api;
using Web.Grid;
using Workflows.Grid;
using ScottPlot;

namespace AnalysisReport;

/// <summary>
/// Energy-Charts: the recorded days (Feeds/EnergyCharts/Recorded, real API responses, served by Feeds' stand-in)
/// backfilled through <c>GridIngestWorkflow</c> on Temporal, as <c>pipeline grid backfill</c> starts it; then Feeds
/// serves the recorded revision and the revised days are backfilled again, so the change data capture meets a real
/// revision. The figures are read back from Web's API (<c>/api/grid/production</c>, <c>/price-wind</c>, <c>/changes</c>).
/// </summary>
static class EnergyChartsReport
{
    public const string Recorded = "Feeds/EnergyCharts/Recorded";
    const string Country = "de", BiddingZone = "DE-LU";
    const string Onshore = "Wind onshore", Offshore = "Wind offshore";

    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The chart's groups of production types (the tables keep every type); the first match wins.</summary>
    static readonly (string Group, Func<string, bool> Contains)[] MixGroups =
    [
        ("Nuclear", s => s == "Nuclear"),
        ("Lignite", s => s.Contains("lignite", StringComparison.Ordinal)),
        ("Hard coal", s => s == "Fossil hard coal"),
        ("Gas", s => s.StartsWith("Fossil", StringComparison.Ordinal) && s.Contains("gas", StringComparison.Ordinal)),
        (Onshore, s => s == Onshore),
        (Offshore, s => s == Offshore),
        ("Solar", s => s == "Solar"),
        ("Biomass", s => s == "Biomass"),
        ("Pumped storage consumption", s => s.Contains("consumption", StringComparison.Ordinal)),
        ("Hydro", s => s.StartsWith("Hydro", StringComparison.Ordinal)),
        ("Other (oil, waste, geothermal, others)", _ => true),
    ];

    public static async Task<string> WriteAsync(RunningPipeline pipeline, string repository, string figures)
    {
        var directory = Path.Combine(repository, Recorded);
        var powerDays = RecordedDays(directory, "public_power_de_*.json");
        var priceDays = RecordedDays(directory, "price_de-lu_*.json");
        var revisedDays = RecordedDays(directory, "public_power_de_*_v2.json");

        var first = await Task.WhenAll(Runs(powerDays).Select(r => BackfillAsync(pipeline, "public_power", Country, r))
            .Concat(Runs(priceDays).Select(r => BackfillAsync(pipeline, "price", BiddingZone, r))));
        await pipeline.ServeEnergyChartsRevisionAsync();
        var second = await Task.WhenAll(Runs(revisedDays).Select(r => BackfillAsync(pipeline, "public_power", Country, r)));
        if (second.Sum(r => r.Revised) == 0) throw new InvalidOperationException("the second fetch of the revised days revised nothing: Feeds did not serve revision 2");

        var (from, to) = (powerDays.Concat(priceDays).Min(), powerDays.Concat(priceDays).Max());
        var production = (await pipeline.GetAsync<Listed<DailyProductionRow>>($"/api/grid/production?from={from:yyyy-MM-dd}&to={to:yyyy-MM-dd}")).Items
            .GroupBy(p => p.Day).ToDictionary(g => g.Key, g => g.ToDictionary(p => p.Series, p => p.EnergyMwh));
        var priceWind = await pipeline.GetAsync<PriceWindReport>($"/api/grid/price-wind?from={from:yyyy-MM-dd}&to={to:yyyy-MM-dd}");
        var changes = await pipeline.AllAsync<GridChangeRow>($"/api/grid/changes?from={revisedDays.Min():yyyy-MM-dd}&to={revisedDays.Max():yyyy-MM-dd}");

        return string.Create(Invariant, $"""
            ## Energy-Charts: production mix, price versus wind, a real revision

            **Data: recorded.** Every figure below comes from the real Energy-Charts API responses committed in `{Recorded}/`
            (Fraunhofer ISE, CC BY 4.0; PROVENANCE.md there), served by Feeds' stand-in of the API: public power for Germany on
            {Days(powerDays)} ({powerDays.Count} days) and day-ahead prices for DE-LU on {Days(priceDays)}. Workers fetched them
            in {first.Length} backfills on Temporal (`GridIngestWorkflow`, one per dataset and run of recorded days:
            {first.Sum(r => r.Fetches)} fetches, {first.Sum(r => r.Points):N0} points stored), merged them into `pipeline.grid_points`
            and computed the daily tables in PostgreSQL; the figures are read back from `/api/grid/production`,
            `/api/grid/price-wind` and `/api/grid/changes`. Only recorded days were requested: the days the stand-in
            synthesises for dates it has no recording of (`Feeds/EnergyCharts/DaySynthesiser.cs`) are not in this report. A
            day is a local day in Germany, a type's daily energy is Σ MW × ¼ h, and load, residual load, cross-border trading
            and the renewable shares are not production (docs/grid.md).

            {Mix(production, figures)}
            {PriceVersusWind(priceWind, priceDays.Where(d => !powerDays.Contains(d)).ToList(), figures)}
            {Revision(changes, second, revisedDays)}
            """);
    }

    /// <summary>The days of the recorded files matching <paramref name="pattern"/> (<c>…_yyyy-MM-dd.json</c> or <c>…_yyyy-MM-dd_v2.json</c>).</summary>
    static List<DateOnly> RecordedDays(string directory, string pattern) =>
        [.. Directory.GetFiles(directory, pattern).Select(Path.GetFileNameWithoutExtension)
            .Select(name => DateOnly.ParseExact(name!.Replace("_v2", "", StringComparison.Ordinal)[^10..], "yyyy-MM-dd", Invariant))
            .Distinct().Order()];

    /// <summary>Runs of consecutive days, so that no backfill asks for a day that was not recorded.</summary>
    static List<(DateOnly First, DateOnly Last)> Runs(IEnumerable<DateOnly> days)
    {
        var runs = new List<(DateOnly First, DateOnly Last)>();
        foreach (var day in days.Distinct().Order())
            if (runs.Count > 0 && runs[^1].Last.AddDays(1) == day) runs[^1] = (runs[^1].First, day);
            else runs.Add((day, day));
        return runs;
    }

    static async Task<GridIngestReport> BackfillAsync(RunningPipeline pipeline, string dataset, string area, (DateOnly First, DateOnly Last) days)
    {
        var request = new GridIngestRequest { Dataset = dataset, Area = area, FirstDay = days.First, LastDay = days.Last };
        var handle = await pipeline.Temporal.StartWorkflowAsync((GridIngestWorkflow w) => w.RunAsync(request),
            new WorkflowOptions(GridIngestWorkflow.BackfillId(dataset, area, days.First, days.Last), GridIngestWorkflow.TaskQueue));
        var report = await handle.GetResultAsync();
        pipeline.Log($"grid {dataset} {days.First:yyyy-MM-dd}..{days.Last:yyyy-MM-dd}: {report.Points:N0} points, {report.Inserted:N0} new, {report.Revised:N0} revised");
        return report;
    }

    static string Mix(Dictionary<DateOnly, Dictionary<string, double>> production, string figures)
    {
        var days = production.Keys.Order().ToList();
        var groups = days.Select(day => production[day].GroupBy(s => MixGroups.First(g => g.Contains(s.Key)).Group)
            .ToDictionary(g => g.Key, g => g.Sum(s => s.Value) / 1000)).ToList();
        var palette = new ScottPlot.Palettes.Category20();
        // a gap of one bar between runs of consecutive recorded days (2020 and 2025 sit side by side)
        var positions = new double[days.Count];
        for (var i = 1; i < days.Count; i++) positions[i] = positions[i - 1] + (days[i - 1].AddDays(1) == days[i] ? 1 : 2);

        var plot = Charts.Create("Production mix per recorded day (Germany, public power)", "", "energy (GWh)");
        var bars = new List<Bar>();
        foreach (var (group, index) in MixGroups.Select((g, i) => (g.Group, i)))
        {
            var color = palette.GetColor(index);
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = group, FillColor = color });
            for (var i = 0; i < days.Count; i++)
            {
                var value = groups[i].GetValueOrDefault(group);
                if (value == 0) continue;
                // production stacks upwards from 0, pumped storage consumption (negative) hangs below it
                var below = value < 0 ? 0 : MixGroups.TakeWhile(g => g.Group != group).Sum(g => Math.Max(0, groups[i].GetValueOrDefault(g.Group)));
                bars.Add(new Bar { Position = positions[i], ValueBase = below, Value = below + value, FillColor = color, LineWidth = 0, Size = 0.8 });
            }
        }
        plot.Add.Bars(bars);
        plot.Axes.Bottom.SetTicks(positions, [.. days.Select(d => d.ToString("yyyy-MM-dd", Invariant))]);
        plot.Axes.Bottom.MinimumSize = 80;
        plot.Axes.Bottom.TickLabelStyle.Rotation = 90;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.ShowLegend(Edge.Right);

        var rows = days.Select((day, i) =>
        {
            var net = groups[i].Values.Sum();
            string Share(string group) => (groups[i].GetValueOrDefault(group) / net).ToString("P0", Invariant);
            return $"| {day:yyyy-MM-dd} | {net:N0} | {Share(Onshore)} | {Share(Offshore)} | {Share("Solar")} | {Share("Lignite")} | {Share("Hard coal")} | {Share("Gas")} | {Share("Nuclear")} |";
        });
        return $"""
            ### Production mix per day

            Net production per local day, grouped for the chart (the groups add up Grid's production types; pumped storage
            consumption is negative and drawn below zero, so a bar's top minus its part below zero is the day's net production).
            The 2020 days still have nuclear; the 2025 days have none and show the larger share of wind. December 2025 uses the
            revised (second) fetch: the pipeline's tables after the revision.

            {Charts.Save(plot, figures, "grid-production-mix", "Stacked daily energy per production group, every recorded day")}

            | day | net production (GWh) | wind onshore | wind offshore | solar | lignite | hard coal | gas | nuclear |
            |---|---|---|---|---|---|---|---|---|
            {string.Join('\n', rows)}

            """;
    }

    static string PriceVersusWind(PriceWindReport report, List<DateOnly> priceOnly, string figures)
    {
        // the days of grid_daily_price_wind with a price and wind energy (the recordings overlap on 10 days)
        var days = report.Days.Where(d => d.WindOnshoreMwh is not null && d.WindOffshoreMwh is not null)
            .Select(d => (d.Day, d.MeanPrice, Onshore: d.WindOnshoreMwh!.Value / 1000, Offshore: d.WindOffshoreMwh!.Value / 1000)).ToList();
        var unit = report.Days.Select(d => d.PriceUnit).Distinct().Single();
        var correlation = report.Correlation;
        static string R(double? r) => r is { } value ? value.ToString("+0.00;-0.00", CultureInfo.InvariantCulture) : "n/a";

        var plot = Charts.Create("Daily mean day-ahead price (DE-LU) against daily wind energy (DE)", "wind energy on the day (GWh)", $"mean day-ahead price ({unit})");
        foreach (var (series, values, r) in new[] { ("onshore", days.Select(d => d.Onshore).ToArray(), correlation.Onshore), ("offshore", days.Select(d => d.Offshore).ToArray(), correlation.Offshore) })
        {
            var scatter = plot.Add.ScatterPoints(values, days.Select(d => d.MeanPrice).ToArray());
            scatter.LegendText = $"wind {series} (r = {R(r)})";
            scatter.MarkerSize = 9;
        }
        plot.ShowLegend(Alignment.UpperRight);

        var rows = days.Select(d => $"| {d.Day:yyyy-MM-dd} | {d.MeanPrice:N1} | {d.Onshore:N0} | {d.Offshore:N0} |");
        var windiest = days.MaxBy(d => d.Onshore + d.Offshore);
        var cheapest = days.MinBy(d => d.MeanPrice);
        return $"""
            ### Day-ahead price versus wind

            For each local day with both a recorded price and recorded public power ({days.Count} days), the mean
            day-ahead price and the day's onshore and offshore wind energy as `pipeline.grid_daily_price_wind` holds them, and
            their Pearson correlations over these days as the API computes them (PostgreSQL's `corr`, which skips the days
            without wind; `GridTransformations.CorrelateAsync`). The price is hourly until 2025-09-30 and quarter-hourly from 2025-10-01
            (the market's change); the daily mean is over the day's points either way. The recorded prices of
            {Days(priceOnly)} have no recorded public power and are not used here.

            | correlation with the daily mean price ({days.Count} days) | r |
            |---|---|
            | wind onshore | {R(correlation.Onshore)} |
            | wind offshore | {R(correlation.Offshore)} |
            | wind onshore + offshore | {R(correlation.Wind)} |

            {Charts.Save(plot, figures, "grid-price-wind", "Daily mean day-ahead price against onshore and offshore wind energy")}

            | day | mean price ({unit}) | wind onshore (GWh) | wind offshore (GWh) |
            |---|---|---|---|
            {string.Join('\n', rows)}

            {days.Count} days are few: the sign says more than the second digit. On these days more wind goes with a lower
            price (the windiest day, {windiest.Day:yyyy-MM-dd}, {(windiest.Day == cheapest.Day ? "has the lowest mean price" : $"is not the cheapest one, {cheapest.Day:yyyy-MM-dd} is")}), but the days come from
            two separate periods, late September to early October and early December, which also differ in season and demand.

            """;
    }

    static string Revision(List<GridChangeRow> changes, GridIngestReport[] second, List<DateOnly> revisedDays)
    {
        static DateOnly LocalDay(DateTimeOffset t) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(t, BerlinTime.Zone).DateTime);
        var compared = second.Sum(r => r.Points);
        var days = changes.Select(c => LocalDay(c.Timestamp)).Distinct().Order().ToList();
        // a series replaced wholesale has a revision on every quarter hour of every revised day
        static DateTime Midnight(DateOnly d) => TimeZoneInfo.ConvertTimeToUtc(d.ToDateTime(TimeOnly.MinValue), BerlinTime.Zone);
        var quarterHours = days.Sum(d => (int)((Midnight(d.AddDays(1)) - Midnight(d)).TotalMinutes / 15));
        var wholesale = changes.GroupBy(c => c.Series).Where(g => g.Count() == quarterHours).Select(g => g.Key).Order(StringComparer.Ordinal).ToList();
        var partly = changes.Select(c => c.Series).Distinct().Except(wholesale).Order(StringComparer.Ordinal).ToList();
        var windRevised = changes.Any(c => c.Series is Onshore or Offshore);
        var largest = changes.Where(c => c.Unit == "MW").MaxBy(c => Math.Abs(c.NewValue - c.OldValue))!;

        var perSeries = changes.GroupBy(c => c.Series).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var most = g.MaxBy(c => Math.Abs(c.NewValue - c.OldValue))!;
            var energy = g.Where(c => c.Unit == "MW").Sum(c => (c.NewValue - c.OldValue) * 0.25);
            return $"| {g.Key} | {g.Count()} | {string.Join(" / ", days.Select(d => g.Count(c => LocalDay(c.Timestamp) == d)))} | {g.Average(c => c.NewValue - c.OldValue):+0.00;-0.00} {g.First().Unit} | " +
                $"{most.OldValue:0.0} → {most.NewValue:0.0} {most.Unit} at {TimeZoneInfo.ConvertTime(most.Timestamp, BerlinTime.Zone):yyyy-MM-dd HH:mm} | " +
                (g.First().Unit == "MW" ? $"{energy:+#,0.0;-#,0.0} MWh" : "–") + " |";
        });
        return $"""
            ### The real revision of {Days(days)}

            Energy-Charts revises published values. Public power of {Days(revisedDays)} was recorded twice, the second fetch two
            weeks after the first (`*_v2.json`, PROVENANCE.md). After the first backfill, Feeds was restarted serving the second
            fetch (`EnergyCharts:Revision=2`) and the days were backfilled again: the change data capture compared
            {compared:N0} points, revised **{second.Sum(r => r.Revised):N0}** ({(double)second.Sum(r => r.Revised) / compared:P1}), inserted
            {second.Sum(r => r.Inserted):N0} and left {second.Sum(r => r.Unchanged):N0} untouched, and recomputed {second.Sum(r => r.ChangedDays)} days of the
            daily tables. `pipeline.grid_point_changes` (`/api/grid/changes`) holds each revision, old value → new value:
            {wholesale.Count} series were replaced wholesale, every quarter hour of every day ({string.Join(", ", wholesale)}), and
            {partly.Count} changed in some points only ({string.Join(", ", partly)}). The largest change of a production type is
            {largest.NewValue - largest.OldValue:+0.0;-0.0} MW ({largest.Series}, {largest.OldValue:N0} → {largest.NewValue:N0} MW,
            {(largest.NewValue - largest.OldValue) / largest.OldValue:+0.0%;-0.0%}). Wind {(windRevised ? "was revised too, so the price-versus-wind figures above depend on the fetch" : "is not among the revised series, so the price-versus-wind figures above are the same with either fetch (the prices were fetched once)")};
            downstream, the revision changed the daily production of the revised types (energy change over the days, last
            column; the production table above already has the revised values) and the underperformance features of those days
            and the 7 after them.

            | series | revised points | per day ({string.Join(" / ", days.Select(d => d.ToString("MM-dd", Invariant)))}) | mean change | largest change (local time) | energy change |
            |---|---|---|---|---|---|
            {string.Join('\n', perSeries)}

            """;
    }

    /// <summary>Days as runs: 2025-09-28..2025-10-04, 2025-12-01..2025-12-03.</summary>
    static string Days(IEnumerable<DateOnly> days)
    {
        var runs = new List<(DateOnly First, DateOnly Last)>();
        foreach (var day in days.Distinct().Order())
            if (runs.Count > 0 && runs[^1].Last.AddDays(1) == day) runs[^1] = (runs[^1].First, day);
            else runs.Add((day, day));
        return string.Join(", ", runs.Select(r => r.First == r.Last ? $"{r.First:yyyy-MM-dd}" : $"{r.First:yyyy-MM-dd}..{r.Last:yyyy-MM-dd}"));
    }
}
