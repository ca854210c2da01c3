using System.Text.Json;
using Grid.EnergyCharts;
using Microsoft.Extensions.Logging.Abstractions;
using TestSupport;

namespace Grid.Tests;

/// <summary>The Feeds process with a real broker, for the stand-in's endpoints.</summary>
public sealed class StandInFixture : IAsyncLifetime
{
    readonly KafkaFixture _kafka = new();

    public ServiceProcess Feeds { get; private set; } = null!;

    public Task<ServiceProcess> StartFeedsAsync(int? revision = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__kafka"] = _kafka.BootstrapServers,
            ["TradeFeed__Port"] = "0",
            ["TradeFeed__Intensity"] = "0.01",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        if (revision is { } r) environment["EnergyCharts__Revision"] = r.ToString();
        return ServiceProcess.StartAsync("Feeds", environment);
    }

    public async Task InitializeAsync() => Feeds = await StartFeedsAsync();

    public async Task DisposeAsync()
    {
        if (Feeds is not null) await Feeds.DisposeAsync();
        _kafka.Dispose();
    }
}

/// <summary>Feeds' Energy-Charts stand-in over HTTP: recorded days as recorded, the revision setting, synthesised daylight-saving days.</summary>
[Collection(GridDatabaseCollection.Name)]
public sealed class StandInTests(GridDatabase database, StandInFixture standIn) : IClassFixture<StandInFixture>
{
    static EnergyChartsClient Client(ServiceProcess feeds) =>
        new(new HttpClient(), new EnergyChartsOptions { BaseUrl = feeds.Url, MaxRetries = 1 }, TimeProvider.System, NullLogger<EnergyChartsClient>.Instance);

    [Fact]
    public async Task A_recorded_day_is_served_as_recorded()
    {
        var day = new DateOnly(2020, 1, 7);

        var served = await Client(standIn.Feeds).FetchAsync(GridRequest.PublicPower("de", day, day), default);

        Assert.Equal(EnergyChartsParser.Parse(Recorded.PublicPower(day)).Points, EnergyChartsParser.Parse(served).Points);
        Assert.Empty(SynthesisedDays(served));
    }

    [Theory]
    [InlineData("2025-03-30", 92, "2025-03-29T23:00:00Z", "2025-03-30T21:45:00Z")]   // clocks go forward at 02:00: 23 hours
    [InlineData("2025-10-26", 100, "2025-10-25T22:00:00Z", "2025-10-26T22:45:00Z")]  // clocks go back at 03:00: 25 hours
    [InlineData("2025-06-15", 96, "2025-06-14T22:00:00Z", "2025-06-15T21:45:00Z")]
    public async Task A_synthesised_day_has_the_local_days_quarter_hours_in_utc(string date, int quarterHours, string firstUtc, string lastUtc)
    {
        var day = DateOnly.Parse(date);

        var served = await Client(standIn.Feeds).FetchAsync(GridRequest.PublicPower("de", day, day), default);
        var again = await Client(standIn.Feeds).FetchAsync(GridRequest.PublicPower("de", day, day), default);

        var parsed = EnergyChartsParser.Parse(served);
        var times = parsed.Points.Select(p => p.Timestamp).Distinct().Order().ToList();
        Assert.Equal(quarterHours, times.Count);
        Assert.Equal(DateTime.Parse(firstUtc, null, System.Globalization.DateTimeStyles.AdjustToUniversal), times[0]);
        Assert.Equal(DateTime.Parse(lastUtc, null, System.Globalization.DateTimeStyles.AdjustToUniversal), times[^1]);
        Assert.All(times.Zip(times.Skip(1)), pair => Assert.Equal(TimeSpan.FromMinutes(15), pair.Second - pair.First));
        Assert.Equal([day], SynthesisedDays(served));
        Assert.Equal(21, parsed.Series.Count);
        Assert.DoesNotContain("Nuclear", parsed.Series); // after the 2023 phase-out
        Assert.All(parsed.Points.Where(p => p.Series == "Wind onshore"), p => Assert.InRange(p.Value, 1, 60_000));
        Assert.All(parsed.Points.Where(p => p.Series.StartsWith("Renewable share", StringComparison.Ordinal)), p => Assert.InRange(p.Value, 0, 100));
        Assert.Equal(served.Body, again.Body); // the same day is always the same data
    }

    [Fact]
    public async Task Synthesised_prices_are_hourly_before_october_2025_and_quarter_hourly_after()
    {
        var client = Client(standIn.Feeds);

        var autumn2024 = EnergyChartsParser.Parse(await client.FetchAsync(GridRequest.Price("DE-LU", new(2024, 10, 27), new(2024, 10, 27)), default));
        var spring2026 = EnergyChartsParser.Parse(await client.FetchAsync(GridRequest.Price("DE-LU", new(2026, 3, 29), new(2026, 3, 29)), default));

        Assert.Equal(25, autumn2024.Points.Count);
        Assert.Equal(92, spring2026.Points.Count);
        Assert.All(spring2026.Points, p => Assert.Equal("EUR / MWh", p.Unit));
    }

    [Fact]
    public async Task Ingesting_from_the_stand_in_and_then_from_revision_2_captures_the_real_revision()
    {
        await using var dataSource = await database.CreateAsync();
        await using var revisedFeeds = await standIn.StartFeedsAsync(revision: 2);
        var request = GridRequest.PublicPower("de", new(2025, 11, 30), new(2025, 12, 3));

        var first = await new GridIngestion(Client(standIn.Feeds), dataSource, new GridAreas(), NullLogger<GridIngestion>.Instance).IngestAsync(request, default);
        var second = await new GridIngestion(Client(revisedFeeds), dataSource, new GridAreas(), NullLogger<GridIngestion>.Instance).IngestAsync(request, default);

        Assert.Equal((4 * 2016, 4 * 2016), (first.Merge.Points, first.Merge.Inserted));
        Assert.Equal((0, 1070), (second.Merge.Inserted, second.Merge.Revised)); // the synthesised 30 November is the same in both
        Assert.Equal([new DateOnly(2025, 12, 1), new(2025, 12, 2), new(2025, 12, 3)], second.Merge.ChangedDays);
    }

    [Fact]
    public async Task A_bad_request_is_a_problem_naming_the_parameter()
    {
        using var http = new HttpClient { BaseAddress = standIn.Feeds.Url };

        using var response = await http.GetAsync("public_power?country=de&start=2025-12-01&end=01.12.2025");

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Contains("end '01.12.2025' is not a date as yyyy-MM-dd", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_revision_other_than_1_or_2_stops_feeds_with_a_message_naming_the_setting()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => standIn.StartFeedsAsync(revision: 3));

        Assert.Contains("error: EnergyCharts:Revision '3' is not 1 (the first fetch) or 2 (the recorded revision)", error.Message);
    }

    static List<DateOnly> SynthesisedDays(FetchedPayload payload)
    {
        using var json = JsonDocument.Parse(payload.Body);
        return [.. json.RootElement.GetProperty("stand_in").GetProperty("synthesised_days").EnumerateArray().Select(d => DateOnly.Parse(d.GetString()!))];
    }
}
