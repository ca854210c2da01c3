using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LocalServers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;
using ServiceDefaults.Kafka;
using ServiceDefaults.Lake;
using ServiceDefaults.Postgres;
using TestSupport;

namespace ServiceDefaults.Tests;

[CollectionDefinition("servers")]
public sealed class ServersCollection : ICollectionFixture<PostgresFixture>, ICollectionFixture<S3Fixture>;

[Collection("servers")]
public sealed class HealthEndpointTests(PostgresFixture postgres, S3Fixture s3) : IDisposable
{
    static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(20) };
    readonly KafkaFixture _kafka = new();

    [Fact]
    public async Task Health_is_ok_when_every_dependency_answers()
    {
        await using var app = await StartAsync(postgres.Cluster.ConnectionString("postgres"), _kafka.BootstrapServers, s3.ConnectionString);

        using var response = await Http.GetAsync(Url(app, "/health"));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["kafka", "lake", "postgres", "self"], body.GetProperty("entries").EnumerateObject().Select(e => e.Name).Order());
        Assert.StartsWith("PostgreSQL 15", body.GetProperty("entries").GetProperty("postgres").GetProperty("description").GetString());
    }

    [Fact]
    public async Task Health_names_the_dependency_that_is_down_while_alive_stays_ok()
    {
        var closed = FreePort.Next();
        await using var app = await StartAsync(postgres.Cluster.ConnectionString("postgres"), _kafka.BootstrapServers,
            $"Endpoint=http://127.0.0.1:{closed};AccessKey=a;SecretKey=b;Bucket=missing");

        using var health = await Http.GetAsync(Url(app, "/health"));
        using var alive = await Http.GetAsync(Url(app, "/alive"));
        var body = await health.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.Equal("Unhealthy", body.GetProperty("entries").GetProperty("lake").GetProperty("status").GetString());
        Assert.Equal("Healthy", body.GetProperty("entries").GetProperty("postgres").GetProperty("status").GetString());
    }

    static async Task<WebApplication> StartAsync(string postgresConnection, string kafka, string lake)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{FreePort.Next()}");
        builder.Configuration["ConnectionStrings:postgres"] = postgresConnection;
        builder.Configuration["ConnectionStrings:kafka"] = kafka;
        builder.Configuration["ConnectionStrings:lake"] = lake;
        builder.AddServiceDefaults();
        builder.AddPostgres("postgres");
        builder.AddKafkaProducer<string, string>("kafka");
        builder.AddLake("lake");
        var app = builder.Build();
        app.MapDefaultEndpoints();
        await app.StartAsync();
        return app;
    }

    static Uri Url(WebApplication app, string path) => new(new Uri(app.Urls.First()), path);

    public void Dispose() => _kafka.Dispose();
}
