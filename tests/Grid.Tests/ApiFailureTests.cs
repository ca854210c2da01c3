using System.Diagnostics;
using System.Text;
using Grid.EnergyCharts;
using Microsoft.Extensions.Logging.Abstractions;
using static Grid.Tests.ScriptedApi;

namespace Grid.Tests;

/// <summary>The client and the ingestion against a real local HTTP server that fails the ways the public API does.</summary>
[Collection(GridDatabaseCollection.Name)]
public sealed class ApiFailureTests(GridDatabase database)
{
    static readonly DateOnly Day = new(2025, 12, 1);
    static readonly GridRequest Request = GridRequest.PublicPower("de", Day, Day);
    static readonly string Recorded1 = Encoding.UTF8.GetString(Recorded.Bytes("public_power_de_2025-12-01.json"));

    static EnergyChartsClient Client(ScriptedApi api, int maxRetries = 3) => new(new HttpClient(),
        new EnergyChartsOptions { BaseUrl = api.BaseUrl, MaxRetries = maxRetries, RetryDelay = TimeSpan.FromMilliseconds(20), AttemptTimeout = TimeSpan.FromSeconds(5) },
        TimeProvider.System, NullLogger<EnergyChartsClient>.Instance);

    [Fact]
    public async Task A_server_error_is_retried_and_the_next_answer_is_the_payload()
    {
        await using var api = await StartAsync(new Answer(500, "upstream broke"), new Answer(200, Recorded1));

        var payload = await Client(api).FetchAsync(Request, default);

        Assert.Equal(Recorded1, Encoding.UTF8.GetString(payload.Body));
        Assert.Equal(new Uri(api.BaseUrl, "public_power?country=de&start=2025-12-01&end=2025-12-01"), payload.Url);
        Assert.Equal(["/public_power?country=de&start=2025-12-01&end=2025-12-01", "/public_power?country=de&start=2025-12-01&end=2025-12-01"],
            api.Requests.Select(r => r.PathAndQuery));
    }

    [Fact]
    public async Task Too_many_requests_waits_as_long_as_retry_after_says()
    {
        await using var api = await StartAsync(new Answer(429, "slow down", RetryAfter: "2"), new Answer(200, Recorded1));

        await Client(api).FetchAsync(Request, default);

        var times = api.Requests.Select(r => r.At).ToList();
        Assert.Equal(2, times.Count);
        Assert.InRange(times[1] - times[0], TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(10)); // the own backoff is 20 ms
    }

    [Fact]
    public async Task A_server_that_keeps_failing_ends_in_an_error_naming_the_url_status_and_attempts()
    {
        await using var api = await StartAsync(Enumerable.Repeat(new Answer(503, "maintenance"), 5).ToArray());

        var error = await Assert.ThrowsAsync<EnergyChartsRequestException>(() => Client(api, maxRetries: 2).FetchAsync(Request, default));

        Assert.Equal(3, api.Requests.Count);
        Assert.Equal(503, error.StatusCode);
        Assert.Equal($"GET {api.BaseUrl}public_power?country=de&start=2025-12-01&end=2025-12-01 answered 503 Service Unavailable after 3 attempts: maintenance", error.Message);
    }

    [Fact]
    public async Task A_client_error_is_not_retried()
    {
        await using var api = await StartAsync(new Answer(400, "country 'xx' unknown"), new Answer(200, Recorded1));

        var error = await Assert.ThrowsAsync<EnergyChartsRequestException>(() => Client(api).FetchAsync(Request, default));

        Assert.Single(api.Requests);
        Assert.Contains("answered 400 Bad Request: country 'xx' unknown", error.Message);
    }

    [Theory]
    [InlineData("""{"unix_seconds":[1764543600],"production_types":[{"name":"Solar","data":[0.0]""", "not JSON")]
    [InlineData("""{"timestamps":[1764543600],"production_types":[{"name":"Solar","data":[0.0]}]}""", "the payload has no 'unix_seconds' (properties: timestamps, production_types)")]
    public async Task A_malformed_or_reshaped_payload_fails_with_a_clear_error_and_writes_no_point(string body, string problem)
    {
        await using var dataSource = await database.CreateAsync();
        await using var api = await StartAsync(new Answer(200, body));
        var ingestion = new GridIngestion(Client(api), dataSource, new GridAreas(), NullLogger<GridIngestion>.Instance);

        var error = await Assert.ThrowsAsync<EnergyChartsShapeException>(() => ingestion.IngestAsync(Request, default));

        Assert.Contains(problem, error.Message);
        Assert.Single(api.Requests); // a payload that does not read is not fetched again
        Assert.Equal(0L, await ChangeDataCaptureTests.ScalarAsync<long>(dataSource, "SELECT count(*) FROM pipeline.grid_points"));
        Assert.Equal(0L, await ChangeDataCaptureTests.ScalarAsync<long>(dataSource, "SELECT count(*) FROM pipeline.grid_daily_production"));
        // the payload is kept in bronze with the reason, never silently lost
        Assert.Equal(error.Message, await ChangeDataCaptureTests.ScalarAsync<string>(dataSource, "SELECT rejected_reason FROM pipeline.grid_fetches"));
        Assert.Equal(body, await ChangeDataCaptureTests.ScalarAsync<string>(dataSource, "SELECT convert_from(payload, 'UTF8') FROM pipeline.grid_fetches"));
    }
}
