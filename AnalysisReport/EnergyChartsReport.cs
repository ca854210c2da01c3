using System.Globalization;
using Grid;
using Grid.EnergyCharts;
using Grid.Transformations;
using ScottPlot;

namespace AnalysisReport;

/// <summary>
/// Energy-Charts: the recorded payloads (Feeds/EnergyCharts/Recorded, real API responses) read by Grid's own parser
/// (<see cref="EnergyChartsParser"/>). Grid's transformations are SQL over PostgreSQL; here their definitions are
/// applied to the parsed points in process (same local days, same excluded series, energy = Σ MW × ¼ h, Pearson
/// correlation of the daily mean price with daily wind energy, a point revised when its value differs).
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

    public static string Write(string repository, string figures)
    {
        var directory = Path.Combine(repository, Recorded);
        var power = Payloads(directory, "public_power_de_*.json", day => GridRequest.PublicPower(Country, day, day));
        var prices = Payloads(directory, "price_de-lu_*.json", day => GridRequest.Price(BiddingZone, day, day));

        // the pipeline keeps the latest fetch of a day: the revised (v2) payload where there is one
        var latest = power.GroupBy(p => p.Day).Select(g => g.MaxBy(p => p.Revision)!).ToList();
        var production = DailyProduction(latest.SelectMany(p => p.Parsed.Points));
        var price = prices.SelectMany(p => p.Parsed.Points).GroupBy(p => BerlinTime.DayOf(p.Timestamp))
            .ToDictionary(g => g.Key, g => (Mean: g.Average(p => p.Value), Unit: g.First().Unit, Points: g.Count()));

        return string.Create(Invariant, $"""
            ## Energy-Charts: production mix, price versus wind, a real revision

            **Data: recorded.** Every figure below comes from the real Energy-Charts API responses committed in `{Recorded}/`
            (Fraunhofer ISE, CC BY 4.0; PROVENANCE.md there): public power for Germany on {Days(power.Select(p => p.Day))}
            ({power.Count(p => p.Revision == 1)} days, {power.Count(p => p.Revision == 2)} of them fetched a second time) and
            day-ahead prices for DE-LU on {Days(prices.Select(p => p.Day))}. Nothing is synthesised: the days the Feeds stand-in
            synthesises for dates it has no recording of (`Feeds/EnergyCharts/DaySynthesiser.cs`) are not used. The payloads are
            read by Grid's parser (`EnergyChartsParser`); the daily figures follow the definitions of Grid's transformations
            (docs/grid.md), which run as SQL in PostgreSQL in the pipeline and are applied here to the parsed points in this
            process: a day is a local day in Germany (`BerlinTime`), a type's daily energy is Σ MW × ¼ h, and load, residual
            load, cross-border trading and the renewable shares are not production.

            {Mix(production, figures)}
            {PriceVersusWind(production, price, figures)}
            {Revision(power)}
            """);
    }

    sealed record Payload(DateOnly Day, int Revision, ParsedPayload Parsed);

    /// <summary>Every recorded file matching <paramref name="pattern"/>, parsed; <c>_v2</c> marks a day's second fetch.</summary>
    static List<Payload> Payloads(string directory, string pattern, Func<DateOnly, GridRequest> request)
    {
        var options = new EnergyChartsOptions();
        return [.. Directory.GetFiles(directory, pattern).Order(StringComparer.Ordinal).Select(file =>
        {
            var name = Path.GetFileNameWithoutExtension(file);
            var revised = name.EndsWith("_v2", StringComparison.Ordinal);
            var day = DateOnly.ParseExact(name[^(revised ? 13 : 10)..][..10], "yyyy-MM-dd", Invariant);
            var fetch = request(day);
            // the parser reads the body and names the URL in its errors; the recorded files carry no fetch time
            var parsed = EnergyChartsParser.Parse(new FetchedPayload(fetch, new Uri(options.BaseUrl, fetch.PathAndQuery), DateTimeOffset.MinValue, File.ReadAllBytes(file)));
            return new Payload(day, revised ? 2 : 1, parsed);
        })];
    }

    /// <summary>grid_daily_production's definition: per local day and production type, energy in MWh.</summary>
    static Dictionary<DateOnly, Dictionary<string, double>> DailyProduction(IEnumerable<GridPoint> points) =>
        points.Where(p => p.Unit == "MW" && !GridTransformations.NotProduction.Contains(p.Series))
            .GroupBy(p => BerlinTime.DayOf(p.Timestamp))
            .ToDictionary(day => day.Key, day => day.GroupBy(p => p.Series).ToDictionary(s => s.Key, s => s.Sum(p => p.Value) * 0.25));

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
            revised (second) fetch, as the pipeline would after the revision.

            {Charts.Save(plot, figures, "grid-production-mix", "Stacked daily energy per production group, every recorded day")}

            | day | net production (GWh) | wind onshore | wind offshore | solar | lignite | hard coal | gas | nuclear |
            |---|---|---|---|---|---|---|---|---|
            {string.Join('\n', rows)}

            """;
    }

    static string PriceVersusWind(Dictionary<DateOnly, Dictionary<string, double>> production, Dictionary<DateOnly, (double Mean, string Unit, int Points)> price, string figures)
    {
        // grid_daily_price_wind: the days with a price and wind energy (the recordings overlap on 10 days)
        var days = price.Keys.Where(production.ContainsKey).Order().Select(day => (Day: day, Price: price[day],
            Onshore: production[day].GetValueOrDefault(Onshore) / 1000, Offshore: production[day].GetValueOrDefault(Offshore) / 1000)).ToList();
        var prices = days.Select(d => d.Price.Mean).ToArray();
        double[] onshore = [.. days.Select(d => d.Onshore)], offshore = [.. days.Select(d => d.Offshore)];
        double[] wind = [.. days.Select(d => d.Onshore + d.Offshore)];
        var unit = days.Select(d => d.Price.Unit).Distinct().Single();

        var plot = Charts.Create("Daily mean day-ahead price (DE-LU) against daily wind energy (DE)", "wind energy on the day (GWh)", $"mean day-ahead price ({unit})");
        foreach (var (series, values) in new[] { ("onshore", onshore), ("offshore", offshore) })
        {
            var scatter = plot.Add.ScatterPoints(values, prices);
            scatter.LegendText = $"wind {series} (r = {Pearson(values, prices):+0.00;-0.00})";
            scatter.MarkerSize = 9;
        }
        plot.ShowLegend(Alignment.UpperRight);

        var rows = days.Select(d => $"| {d.Day:yyyy-MM-dd} | {d.Price.Mean:N1} | {d.Price.Points} | {d.Onshore:N0} | {d.Offshore:N0} |");
        var without = price.Keys.Where(d => !production.ContainsKey(d)).Order().ToList();
        return $"""
            ### Day-ahead price versus wind

            For each local day with both a recorded price and recorded public power ({days.Count} days), the mean day-ahead price
            and the day's onshore and offshore wind energy, as `grid_daily_price_wind` holds them, and their Pearson correlation
            over these days (what `GridTransformations.CorrelateAsync` asks PostgreSQL's `corr` for; here the correlation is
            taken from ScottPlot's least-squares fit, r = sign(slope) × √R²). The price is hourly until 2025-09-30 and
            quarter-hourly from 2025-10-01 (the market's change); the daily mean is over the day's points either way. The
            recorded prices of {Days(without)} have no recorded public power and are not used here.

            | correlation with the daily mean price ({days.Count} days) | r |
            |---|---|
            | wind onshore | {Pearson(onshore, prices):+0.00;-0.00} |
            | wind offshore | {Pearson(offshore, prices):+0.00;-0.00} |
            | wind onshore + offshore | {Pearson(wind, prices):+0.00;-0.00} |

            {Charts.Save(plot, figures, "grid-price-wind", "Daily mean day-ahead price against onshore and offshore wind energy")}

            | day | mean price ({unit}) | price points | wind onshore (GWh) | wind offshore (GWh) |
            |---|---|---|---|---|
            {string.Join('\n', rows)}

            Ten days are few: the sign says more than the second digit. On these days more wind goes with a lower price (the
            windiest day, 2025-10-04, has the lowest mean price), but the days come from two separate periods, late September to
            early October and early December, which also differ in season and demand.

            """;
    }

    /// <summary>Pearson's r, from the least-squares line: R² of a simple linear regression is r², its slope carries the sign.</summary>
    static double Pearson(double[] x, double[] y)
    {
        var fit = new ScottPlot.Statistics.LinearRegression(x, y);
        return Math.Sign(fit.Slope) * Math.Sqrt(fit.Rsquared);
    }

    static string Revision(List<Payload> power)
    {
        // the change-data-capture rule (GridStore): a point is revised when the later fetch has another value for it
        var changes = power.Where(p => p.Revision == 2).SelectMany(second =>
        {
            var first = power.Single(p => p.Day == second.Day && p.Revision == 1).Parsed.Points.ToDictionary(p => (p.Series, p.Timestamp));
            return second.Parsed.Points.Where(p => first[(p.Series, p.Timestamp)].Value != p.Value)
                .Select(p => (second.Day, p.Series, p.Timestamp, p.Unit, Old: first[(p.Series, p.Timestamp)].Value, New: p.Value));
        }).ToList();
        var second = power.Where(p => p.Revision == 2).ToList();
        var compared = second.Sum(p => p.Parsed.Points.Count);
        var sameKeys = second.All(v2 => power.Single(p => p.Day == v2.Day && p.Revision == 1).Parsed.Points.Select(p => (p.Series, p.Timestamp)).ToHashSet()
            .SetEquals(v2.Parsed.Points.Select(p => (p.Series, p.Timestamp))));
        var days = changes.Select(c => c.Day).Distinct().Order().ToList();
        var wholesale = changes.GroupBy(c => c.Series).Where(g => g.Count() == second.Sum(p => p.Parsed.Points.Count(q => q.Series == g.Key))).Select(g => g.Key).Order(StringComparer.Ordinal).ToList();
        var partly = changes.Select(c => c.Series).Distinct().Except(wholesale).Order(StringComparer.Ordinal).ToList();
        var windRevised = changes.Any(c => c.Series is Onshore or Offshore);
        var largest = changes.Where(c => c.Unit == "MW").MaxBy(c => Math.Abs(c.New - c.Old));

        var perSeries = changes.GroupBy(c => c.Series).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var most = g.MaxBy(c => Math.Abs(c.New - c.Old));
            var energy = g.Where(c => c.Unit == "MW").Sum(c => (c.New - c.Old) * 0.25);
            return $"| {g.Key} | {g.Count()} | {string.Join(" / ", days.Select(d => g.Count(c => c.Day == d)))} | {g.Average(c => c.New - c.Old):+0.00;-0.00} {g.First().Unit} | " +
                $"{most.Old:0.0} → {most.New:0.0} {most.Unit} at {TimeZoneInfo.ConvertTimeFromUtc(most.Timestamp, BerlinTime.Zone):yyyy-MM-dd HH:mm} | " +
                (g.First().Unit == "MW" ? $"{energy:+#,0.0;-#,0.0} MWh" : "–") + " |";
        });
        return $"""
            ### The real revision of {Days(days)}

            Energy-Charts revises published values. Public power of {Days(second.Select(p => p.Day))} was recorded twice, the
            second fetch two weeks after the first (`*_v2.json`, PROVENANCE.md). Compared point by point, as Grid's change data
            capture does (a point is revised when its value differs), {changes.Count:N0} of the {compared:N0} points of the second
            fetch have another value ({(double)changes.Count / compared:P1}); {(sameKeys ? "both fetches have exactly the same points, none added or dropped" : "the fetches do not have the same points")}.
            {wholesale.Count} series were replaced wholesale, every quarter hour of every day ({string.Join(", ", wholesale)}), and
            {partly.Count} changed in some points only ({string.Join(", ", partly)}). The largest change of
            a production type is {largest.New - largest.Old:+0.0;-0.0} MW ({largest.Series}, {largest.Old:N0} → {largest.New:N0} MW,
            {(largest.New - largest.Old) / largest.Old:+0.0%;-0.0%}). Wind {(windRevised ? "was revised too, so the price-versus-wind figures above depend on the fetch" : "is not among the revised series, so the price-versus-wind figures above are the same with either fetch (the prices were fetched once)")};
            downstream, the revision changes the daily production of the revised types (energy change over the days, last column)
            and the underperformance features of those days and the 7 after them.

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
