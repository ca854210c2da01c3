using System.Diagnostics;
using LocalServers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpenTelemetry.Trace;
using ServiceDefaults.Postgres;
using TestSupport;

namespace ServiceDefaults.Tests;

[Collection("servers")]
public sealed class TracingTests(PostgresFixture postgres)
{
    [Fact]
    public async Task A_request_is_one_trace_with_its_database_spans_and_health_probes_are_not_traced()
    {
        var spans = new List<Activity>();
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{FreePort.Next()}");
        builder.Configuration["ConnectionStrings:postgres"] = postgres.Cluster.ConnectionString("postgres");
        builder.AddServiceDefaults();
        builder.AddPostgres("postgres");
        builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddInMemoryExporter(spans));
        await using var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapGet("/answer", async (NpgsqlDataSource db) =>
        {
            await using var command = db.CreateCommand("SELECT 42");
            return Results.Ok(await command.ExecuteScalarAsync());
        });
        await app.StartAsync();

        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        Assert.Equal("42", await http.GetStringAsync("/answer"));
        (await http.GetAsync("/health")).EnsureSuccessStatusCode();
        (await http.GetAsync("/alive")).EnsureSuccessStatusCode();
        app.Services.GetRequiredService<TracerProvider>().ForceFlush();
        await app.StopAsync();

        var request = Assert.Single(spans, s => s.Kind == ActivityKind.Server);
        Assert.Equal("GET /answer", request.DisplayName);
        Assert.Equal("/answer", request.GetTagItem("url.path"));
        // The request's connect and query spans; the probes' database checks would be further Npgsql spans.
        var database = spans.Where(s => s.Source.Name == "Npgsql").ToList();
        Assert.NotEmpty(database);
        Assert.All(database, span => Assert.Equal(request.TraceId, span.TraceId));
        Assert.DoesNotContain(spans, s => s.Kind == ActivityKind.Server && s.GetTagItem("url.path") is "/health" or "/alive");
    }
}
