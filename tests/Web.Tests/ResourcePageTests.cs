using System.Net.Http.Json;
using System.Text.Json;
using LocalServers;
using Npgsql;
using TestSupport;

namespace Web.Tests;

public sealed class ResourcePageTests : IAsyncLifetime
{
    static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(20) };
    readonly PostgresFixture _postgres = new();
    readonly KafkaFixture _kafka = new();
    readonly S3Fixture _s3 = new();

    public Task InitializeAsync() => Task.WhenAll(_postgres.InitializeAsync(), _s3.InitializeAsync());

    [Fact]
    public async Task The_home_page_lists_every_resource_with_its_health_and_the_last_heartbeat()
    {
        var database = await _postgres.CreateDatabaseAsync("web");
        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await using var seed = new NpgsqlCommand("""
                CREATE SCHEMA pipeline;
                CREATE TABLE pipeline.heartbeats (source text, sequence bigint, sent_at timestamptz, received_at timestamptz);
                INSERT INTO pipeline.heartbeats VALUES ('f', 1, now(), '2026-03-04 05:06:07+00'), ('f', 2, now(), '2026-03-04 05:06:09+00');
                """, connection);
            await seed.ExecuteNonQueryAsync();
        }
        var deadWorkers = $"http://127.0.0.1:{FreePort.Next()}";
        var deadTemporal = $"127.0.0.1:{FreePort.Next()}";
        await using var web = await ServiceProcess.StartAsync("Web", new Dictionary<string, string>
        {
            ["ConnectionStrings__postgres"] = database,
            ["ConnectionStrings__kafka"] = _kafka.BootstrapServers,
            ["ConnectionStrings__lake"] = _s3.ConnectionString,
            ["ConnectionStrings__temporal"] = deadTemporal,
            ["services__workers__http__0"] = deadWorkers,
        }, readinessPath: "/alive"); // not /health: an unreachable Temporal makes Web (rightly) not ready

        var status = await Http.GetFromJsonAsync<JsonElement>(new Uri(web.Url, "/api/resources"));
        var health = status.GetProperty("resources").EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!, r => r.GetProperty("status").GetString());
        Assert.Equal(new Dictionary<string, string?> { ["kafka"] = "Healthy", ["lake"] = "Healthy", ["postgres"] = "Healthy", ["temporal"] = "Unhealthy", ["workers"] = "Unhealthy" }, health);
        Assert.Equal(2, status.GetProperty("heartbeats").GetInt64());

        var page = await Http.GetStringAsync(web.Url);
        Assert.Contains("<td class=\"status unhealthy\">Unhealthy</td>", page);
        Assert.Contains($"{deadWorkers}/ unreachable", page);
        Assert.Contains($"Temporal at {deadTemporal}: ", page);
        Assert.Contains("Heartbeats recorded: <span data-heartbeats>2</span>, last received 2026-03-04 05:06:09 UTC", page);
    }

    [Fact]
    public async Task Web_reports_itself_unhealthy_when_postgres_is_unreachable()
    {
        await using var web = await ServiceProcess.StartAsync("Web", new Dictionary<string, string>
        {
            ["ConnectionStrings__postgres"] = $"Host=127.0.0.1;Port={FreePort.Next()};Username=postgres;Database=none;Timeout=2",
            ["ConnectionStrings__kafka"] = _kafka.BootstrapServers,
            ["ConnectionStrings__lake"] = _s3.ConnectionString,
            ["ConnectionStrings__temporal"] = $"127.0.0.1:{FreePort.Next()}",
        }, readinessPath: "/alive");
        using var response = await Http.GetAsync(new Uri(web.Url, "/health"));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("Unhealthy", body.GetProperty("entries").GetProperty("postgres").GetProperty("status").GetString());
        Assert.Equal("Healthy", body.GetProperty("entries").GetProperty("kafka").GetProperty("status").GetString());
    }

    public async Task DisposeAsync()
    {
        _kafka.Dispose();
        await Task.WhenAll(_postgres.DisposeAsync(), _s3.DisposeAsync());
    }
}
