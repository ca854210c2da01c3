using System.Text;
using System.Text.Json;
using Grid.EnergyCharts;
using Grid.Transformations;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Grid.Tests;

/// <summary>The gold tables on small inputs whose results are worked out by hand in each test.</summary>
[Collection(GridDatabaseCollection.Name)]
public sealed class TransformationTests(GridDatabase database)
{
    static readonly DateOnly Day1 = new(2025, 1, 6);

    static GridIngestion Ingestion(NpgsqlDataSource dataSource) =>
        new(new EnergyChartsClient(new HttpClient(), new EnergyChartsOptions(), TimeProvider.System, NullLogger<EnergyChartsClient>.Instance),
            dataSource, new GridAreas(), NullLogger<GridIngestion>.Instance);

    /// <summary>A public_power payload for one local day: each series' value per quarter hour (index 0 = local midnight).</summary>
    static FetchedPayload PublicPower(DateOnly day, Dictionary<string, Func<int, double>> series, DateTimeOffset? fetchedAt = null)
    {
        var times = BerlinTime.QuarterHoursUtc(day).ToList();
        var body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            unix_seconds = times.Select(t => (long)(t - DateTime.UnixEpoch).TotalSeconds),
            production_types = series.Select(s => new { name = s.Key, data = times.Select((_, i) => s.Value(i)) }),
            deprecated = false,
        });
        return Recorded.With(GridRequest.PublicPower("de", day, day), body, fetchedAt ?? Recorded.FirstFetch);
    }

    static FetchedPayload Prices(DateOnly day, double price)
    {
        var times = Enumerable.Range(0, 24).Select(h => BerlinTime.StartOfDayUtc(day).AddHours(h)).ToList();
        // alternating price ± 10: the day's mean is the given price
        var body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            unix_seconds = times.Select(t => (long)(t - DateTime.UnixEpoch).TotalSeconds),
            price = times.Select((_, i) => price + (i % 2 == 0 ? 10 : -10)),
            unit = "EUR / MWh",
            deprecated = false,
        });
        return Recorded.With(GridRequest.Price("DE-LU", day, day), body, Recorded.FirstFetch);
    }

    [Fact]
    public async Task Daily_net_production_sums_quarter_hours_as_energy_and_leaves_out_what_is_not_production()
    {
        await using var dataSource = await database.CreateAsync();
        await Ingestion(dataSource).StoreAsync(PublicPower(Day1, new()
        {
            ["Wind onshore"] = _ => 1000,
            ["Solar"] = i => i is >= 40 and < 60 ? 4000 : 0,          // 20 quarter hours = 5 h at 4 GW
            ["Hydro pumped storage consumption"] = _ => -200,
            ["Load"] = _ => 50_000,
            ["Renewable share of load"] = _ => 40,
        }), default);

        var rows = await ProductionAsync(dataSource);

        Assert.Equal(new Dictionary<string, (double, double, int)>
        {
            ["Hydro pumped storage consumption"] = (-4_800, -200, 96),
            ["Solar"] = (20_000, 20_000 / 24.0, 96),
            ["Wind onshore"] = (24_000, 1000, 96),
        }, rows);
    }

    [Fact]
    public async Task A_daylight_saving_day_counts_its_92_or_100_quarter_hours()
    {
        await using var dataSource = await database.CreateAsync();
        var ingestion = Ingestion(dataSource);
        await ingestion.StoreAsync(PublicPower(new(2025, 3, 30), new() { ["Wind onshore"] = _ => 1000 }), default);
        await ingestion.StoreAsync(PublicPower(new(2025, 10, 26), new() { ["Wind onshore"] = _ => 1000 }), default);

        await using var command = dataSource.CreateCommand("SELECT day, energy_mwh, points FROM pipeline.grid_daily_production ORDER BY day");
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(DateOnly, double, int)>();
        while (await reader.ReadAsync()) rows.Add((reader.GetFieldValue<DateOnly>(0), reader.GetDouble(1), reader.GetInt32(2)));

        Assert.Equal([(new DateOnly(2025, 3, 30), 23_000.0, 92), (new DateOnly(2025, 10, 26), 25_000.0, 100)], rows);
    }

    [Fact]
    public async Task Price_and_wind_per_day_and_their_correlation_equal_a_direct_computation()
    {
        await using var dataSource = await database.CreateAsync();
        var ingestion = Ingestion(dataSource);
        double[] onshore = [1000, 3000, 2000, 6000, 500], offshore = [800, 200, 500, 100, 900], prices = [90, 60, 75, 12.5, 110];
        for (var d = 0; d < 5; d++)
        {
            var (on, off) = (onshore[d], offshore[d]);
            await ingestion.StoreAsync(PublicPower(Day1.AddDays(d), new() { ["Wind onshore"] = _ => on, ["Wind offshore"] = _ => off }), default);
            await ingestion.StoreAsync(Prices(Day1.AddDays(d), prices[d]), default);
        }

        var correlation = await GridTransformations.CorrelateAsync(dataSource, "DE-LU", "de", Day1, Day1.AddDays(4), default);

        await using (var command = dataSource.CreateCommand("SELECT mean_price, wind_onshore_mwh, wind_offshore_mwh FROM pipeline.grid_daily_price_wind WHERE day = $1"))
        {
            command.Parameters.Add(new() { Value = Day1.AddDays(3) });
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal((12.5, 6000 * 24.0, 100 * 24.0), (reader.GetDouble(0), reader.GetDouble(1), reader.GetDouble(2)));
        }
        Assert.Equal(5, correlation.Days);
        Assert.Equal(Pearson(prices, onshore), correlation.Onshore!.Value, 1e-12);
        Assert.Equal(Pearson(prices, offshore), correlation.Offshore!.Value, 1e-12);
        Assert.Equal(Pearson(prices, onshore.Zip(offshore, (a, b) => a + b).ToArray()), correlation.Wind!.Value, 1e-12);
        Assert.True(correlation.Onshore < -0.9); // more wind, lower prices: these inputs are built that way
    }

    [Fact]
    public async Task The_correlation_counts_and_uses_only_the_days_with_both_price_and_wind()
    {
        await using var dataSource = await database.CreateAsync();
        var ingestion = Ingestion(dataSource);
        double[] prices = [90, 60, 75, 12.5, 110];
        // wind on days 0, 2 and 4 only: days 1 and 3 have a price and no production yet
        (int Day, double Onshore, double Offshore)[] wind = [(0, 1000, 800), (2, 2000, 500), (4, 500, 900)];
        foreach (var (day, on, off) in wind)
            await ingestion.StoreAsync(PublicPower(Day1.AddDays(day), new() { ["Wind onshore"] = _ => on, ["Wind offshore"] = _ => off }), default);
        for (var d = 0; d < prices.Length; d++)
            await ingestion.StoreAsync(Prices(Day1.AddDays(d), prices[d]), default);

        var correlation = await GridTransformations.CorrelateAsync(dataSource, "DE-LU", "de", Day1, Day1.AddDays(4), default);

        Assert.Equal(3, correlation.Days);
        double[] windDayPrices = [.. wind.Select(w => prices[w.Day])];
        Assert.Equal(Pearson(windDayPrices, [.. wind.Select(w => w.Onshore)]), correlation.Onshore!.Value, 1e-12);
        Assert.Equal(Pearson(windDayPrices, [.. wind.Select(w => w.Onshore + w.Offshore)]), correlation.Wind!.Value, 1e-12);
    }

    [Fact]
    public async Task Half_hours_below_80_percent_of_the_last_7_days_are_underperforming()
    {
        await using var dataSource = await database.CreateAsync();
        var ingestion = Ingestion(dataSource);
        for (var d = 0; d < 7; d++) await ingestion.StoreAsync(PublicPower(Day1.AddDays(d), new() { ["Wind onshore"] = _ => 1000, ["Geothermal"] = _ => 20 }), default);
        // day 8: slot 10 (05:00) averages 800 (= 80 %: not below), slot 20 (10:00) averages 500, geothermal far below its tiny baseline
        await ingestion.StoreAsync(PublicPower(Day1.AddDays(7), new()
        {
            ["Wind onshore"] = i => i switch { 20 => 700, 21 => 900, 40 or 41 => 500, _ => 1000 },
            ["Geothermal"] = _ => 5,
        }), default);

        var day8 = await UnderperformanceAsync(dataSource, Day1.AddDays(7));
        var day1 = await UnderperformanceAsync(dataSource, Day1);

        Assert.Equal(96, day8.Count); // 2 series × 48 half hours
        Assert.Equal((800.0, 1000.0, false), day8[("Wind onshore", 10)]);
        Assert.Equal((500.0, 1000.0, true), day8[("Wind onshore", 20)]);
        Assert.Single(day8, r => r.Value.Underperforming);
        Assert.Equal((5.0, 20.0, false), day8[("Geothermal", 0)]); // a baseline under 100 MW flags nothing
        Assert.All(day1.Values, r => Assert.Equal((double?)null, r.Expected)); // nothing before the first day
    }

    [Fact]
    public async Task Revising_a_day_recomputes_the_baselines_of_the_7_days_after_it()
    {
        await using var dataSource = await database.CreateAsync();
        var ingestion = Ingestion(dataSource);
        for (var d = 0; d < 8; d++) await ingestion.StoreAsync(PublicPower(Day1.AddDays(d), new() { ["Wind onshore"] = _ => 1000 }), default);

        var revision = await ingestion.StoreAsync(PublicPower(Day1, new() { ["Wind onshore"] = i => i is 0 or 1 ? 8000 : 1000 }, Recorded.SecondFetch), default);

        Assert.Equal([Day1], revision.Merge.ChangedDays);
        Assert.Equal(2, revision.Merge.Revised);
        Assert.Equal((1000.0, 8000.0, true), (await UnderperformanceAsync(dataSource, Day1.AddDays(1)))[("Wind onshore", 0)]); // its only baseline day is the revised one
        Assert.Equal((1000.0, 2000.0, true), (await UnderperformanceAsync(dataSource, Day1.AddDays(7)))[("Wind onshore", 0)]); // (8000 + 6 × 1000) / 7; 1000 < 80 %
        Assert.Equal((1000.0, 1000.0, false), (await UnderperformanceAsync(dataSource, Day1.AddDays(7)))[("Wind onshore", 1)]);
    }

    static double Pearson(double[] x, double[] y)
    {
        var (mx, my) = (x.Average(), y.Average());
        var cov = x.Zip(y, (a, b) => (a - mx) * (b - my)).Sum();
        return cov / Math.Sqrt(x.Sum(a => (a - mx) * (a - mx)) * y.Sum(b => (b - my) * (b - my)));
    }

    static async Task<Dictionary<string, (double, double, int)>> ProductionAsync(NpgsqlDataSource dataSource)
    {
        var rows = new Dictionary<string, (double, double, int)>();
        await using var command = dataSource.CreateCommand("SELECT series, energy_mwh, mean_mw, points FROM pipeline.grid_daily_production ORDER BY series");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows[reader.GetString(0)] = (reader.GetDouble(1), reader.GetDouble(2), reader.GetInt32(3));
        return rows;
    }

    /// <summary>Rows of one local day keyed by series and half-hour index from local midnight.</summary>
    static async Task<Dictionary<(string, int), (double Actual, double? Expected, bool Underperforming)>> UnderperformanceAsync(NpgsqlDataSource dataSource, DateOnly day)
    {
        var rows = new Dictionary<(string, int), (double, double?, bool)>();
        await using var command = dataSource.CreateCommand("SELECT series, slot_start, actual_mw, expected_mw, underperforming FROM pipeline.grid_underperformance WHERE day = $1");
        command.Parameters.Add(new() { Value = day });
        await using var reader = await command.ExecuteReaderAsync();
        var start = BerlinTime.StartOfDayUtc(day);
        while (await reader.ReadAsync())
            rows[(reader.GetString(0), (int)((reader.GetDateTime(1) - start).TotalMinutes / 30))] =
                (reader.GetDouble(2), reader.IsDBNull(3) ? null : reader.GetDouble(3), reader.GetBoolean(4));
        return rows;
    }
}
