using System.Text;
using Grid.EnergyCharts;

namespace Grid.Tests;

/// <summary>The recorded payloads read into long format, and what a changed shape is told as.</summary>
public sealed class ParsingTests
{
    static ParsedPayload Parse(string file, GridRequest request) => EnergyChartsParser.Parse(Recorded.Payload(request, file, Recorded.FirstFetch));

    static ParsedPayload PublicPower(string file)
    {
        var day = DateOnly.Parse(file["public_power_de_".Length..][..10]);
        return Parse(file, GridRequest.PublicPower("de", day, day));
    }

    [Fact]
    public void Every_recorded_public_power_day_has_96_quarter_hours_of_21_series_from_local_midnight()
    {
        var files = Recorded.Files("public_power_de_").ToList();
        Assert.Equal(55 - 17 - 1, files.Count); // 37 of the 55 files: every public power day and revision
        foreach (var file in files)
        {
            var day = DateOnly.Parse(file["public_power_de_".Length..][..10]);
            var parsed = PublicPower(file);
            Assert.Equal(21, parsed.Series.Count);
            Assert.Equal(21 * 96, parsed.Points.Count);
            Assert.Equal(0, parsed.NullValues);
            var times = parsed.Points.Select(p => p.Timestamp).Distinct().Order().ToList();
            Assert.Equal(BerlinTime.QuarterHoursUtc(day), times);
            Assert.All(times, t => Assert.Equal(DateTimeKind.Utc, t.Kind));
        }
    }

    [Theory]
    [InlineData("public_power_de_2020-01-01.json", "2019-12-31T23:00:00Z")]   // winter: local midnight is 23:00Z the day before
    [InlineData("public_power_de_2025-09-28.json", "2025-09-27T22:00:00Z")]   // summer time: 22:00Z
    [InlineData("public_power_de_2025-12-01.json", "2025-11-30T23:00:00Z")]
    public void Unix_seconds_become_utc_instants_starting_at_local_midnight(string file, string firstUtc)
    {
        var parsed = PublicPower(file);

        var first = parsed.Points.Min(p => p.Timestamp);
        Assert.Equal(DateTime.Parse(firstUtc, null, System.Globalization.DateTimeStyles.AdjustToUniversal), first);
        Assert.Equal(TimeSpan.Zero, TimeZoneInfo.ConvertTimeFromUtc(first, BerlinTime.Zone).TimeOfDay);
        Assert.Equal(first.AddMinutes(15 * 95), parsed.Points.Max(p => p.Timestamp));
    }

    [Fact]
    public void The_2020_files_include_nuclear_and_the_2025_files_coal_derived_gas_instead()
    {
        var winter2020 = PublicPower("public_power_de_2020-01-15.json");
        var december2025 = PublicPower("public_power_de_2025-12-02.json");

        Assert.Contains("Nuclear", winter2020.Series);
        Assert.DoesNotContain("Fossil coal-derived gas", winter2020.Series);
        Assert.DoesNotContain("Nuclear", december2025.Series);
        Assert.Contains("Fossil coal-derived gas", december2025.Series);
        var nuclear = winter2020.Points.Where(p => p.Series == "Nuclear").ToList();
        Assert.Equal(96, nuclear.Count);
        Assert.All(nuclear, p => Assert.InRange(p.Value, 5_000, 10_000)); // eight reactors in January 2020
        Assert.All(winter2020.Points.Where(p => p.Series.StartsWith("Renewable share", StringComparison.Ordinal)), p => Assert.Equal("%", p.Unit));
        Assert.All(winter2020.Points.Where(p => p.Series == "Wind onshore"), p => Assert.Equal("MW", p.Unit));
    }

    [Fact]
    public void Prices_are_hourly_until_the_end_of_september_2025_and_quarter_hourly_after()
    {
        var hourly = Parse("price_de-lu_2025-09-30.json", GridRequest.Price("DE-LU", new(2025, 9, 30), new(2025, 9, 30)));
        var quarterly = Parse("price_de-lu_2025-10-01.json", GridRequest.Price("DE-LU", new(2025, 10, 1), new(2025, 10, 1)));
        var newYear = Parse("price_de-lu_2024-01-01.json", GridRequest.Price("DE-LU", new(2024, 1, 1), new(2024, 1, 1)));

        Assert.Equal(24, hourly.Points.Count);
        Assert.Equal(96, quarterly.Points.Count);
        Assert.Equal(BerlinTime.StartOfDayUtc(new(2025, 10, 1)), quarterly.Points[0].Timestamp);
        Assert.All(quarterly.Points, p => Assert.Equal(("day-ahead", "EUR / MWh"), (p.Series, p.Unit)));
        Assert.Equal(-0.01, newYear.Points[3].Value);
        Assert.Equal(-0.05, newYear.Points.Min(p => p.Value));
    }

    [Fact]
    public void Installed_power_is_one_point_a_year_from_local_new_year_in_gigawatts()
    {
        var parsed = Parse("installed_power_de_yearly.json", GridRequest.InstalledPower("de"));

        Assert.Equal(14, parsed.Series.Count);
        Assert.Equal(14 * 23 - 18, parsed.Points.Count);
        Assert.Equal(18, parsed.NullValues); // Hydro pumped storage and "Other, non-renewable" have no values before 2011
        var solar = parsed.Points.Where(p => p.Series == "Solar").ToList();
        Assert.Equal(new DateTime(2001, 12, 31, 23, 0, 0, DateTimeKind.Utc), solar[0].Timestamp);
        Assert.Equal(new DateTime(2023, 12, 31, 23, 0, 0, DateTimeKind.Utc), solar[^1].Timestamp);
        Assert.All(parsed.Points, p => Assert.Equal("GW", p.Unit));
    }

    [Theory]
    [InlineData("""{"unix_seconds":[1,2],"production_types":[{"name":"Solar","data":[1.0]}]}""", "production type 'Solar' has 1 values for 2 timestamps")]
    [InlineData("""{"unix_seconds":[1,2],"productionTypes":[]}""", "has no 'production_types' (properties: unix_seconds, productionTypes)")]
    [InlineData("""{"unix_seconds":[1,2],"production_types":[{"name":"Solar","data":["1.0",2]}]}""", "production type 'Solar': data[0] is String '\"1.0\"', not a number")]
    [InlineData("""{"unix_seconds":["2025-12-01"],"production_types":[]}""", "unix_seconds[0] is String")]
    [InlineData("""{"unix_seconds":[2,1],"production_types":[]}""", "unix_seconds[1] (1) does not follow unix_seconds[0]")]
    [InlineData("""[1,2,3]""", "the payload is Array, not an object")]
    [InlineData("""{"unix_seconds":[1],"production_types":[{"name":"Solar","data":[1]}""", "not JSON")]
    public void A_changed_or_broken_payload_is_an_error_naming_the_url_and_the_problem(string body, string problem)
    {
        var request = GridRequest.PublicPower("de", new(2025, 12, 1), new(2025, 12, 1));

        var error = Assert.Throws<EnergyChartsShapeException>(() => EnergyChartsParser.Parse(Recorded.With(request, Encoding.UTF8.GetBytes(body), Recorded.FirstFetch)));

        Assert.Contains("public_power from https://api.energy-charts.info/public_power?country=de&start=2025-12-01&end=2025-12-01", error.Message);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void Null_values_are_counted_not_stored()
    {
        var body = """{"unix_seconds":[1764543600,1764544500],"production_types":[{"name":"Solar","data":[null,3.5]}],"deprecated":false}"""u8.ToArray();

        var parsed = EnergyChartsParser.Parse(Recorded.With(GridRequest.PublicPower("de", new(2025, 12, 1), new(2025, 12, 1)), body, Recorded.FirstFetch));

        Assert.Equal(1, parsed.NullValues);
        Assert.Equal([new GridPoint("Solar", new DateTime(2025, 11, 30, 23, 15, 0, DateTimeKind.Utc), 3.5, "MW")], parsed.Points);
    }
}
