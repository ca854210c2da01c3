using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Telemetry;
using Telemetry.Storage;

namespace Web.Tests;

/// <summary>Traces and logs stored by the OTLP receiver, read back through the API and the pages.</summary>
[Collection(WebAppCollection.Name)]
public sealed class TelemetryApiTests(WebAppFixture app)
{
    const long T0 = 1_767_225_600_000_000_000; // 2026-01-01T00:00:00Z in unix ns
    const long Ms = 1_000_000;

    static SpanRecord Span(string trace, string id, string? parent, string name, string service, long start, long end, SpanKind kind = SpanKind.Internal,
        SpanStatus status = SpanStatus.Unset) =>
        new(trace, id, parent, name, kind, service, "test", T0 + start * Ms, T0 + end * Ms, status, status == SpanStatus.Error ? "boom" : null,
            new Dictionary<string, string> { ["test.attr"] = name });

    /// <summary>web → workers (two activities, the second failing) → postgres, with spans stored out of order.</summary>
    async Task<string> SeedTraceAsync()
    {
        await TelemetrySchema.ApplyAsync(app.DataSource);
        var trace = Guid.NewGuid().ToString("N");
        await new TelemetryWriter(app.DataSource).WriteSpansAsync([
            Span(trace, "0000000000000003", "0000000000000002", "activity aggregate", "workers", 20, 60),
            Span(trace, "0000000000000001", null, "POST /api/workflows", "web", 0, 100, SpanKind.Server),
            Span(trace, "0000000000000004", "0000000000000003", "INSERT pipeline", "postgres", 30, 50, SpanKind.Client),
            Span(trace, "0000000000000002", "0000000000000001", "workflow TradePipelineWorkflow", "workers", 10, 90),
            Span(trace, "0000000000000005", "0000000000000002", "activity export", "workers", 65, 85, status: SpanStatus.Error),
        ]);
        await new TelemetryWriter(app.DataSource).WriteLogsAsync([
            new LogRecordRow(T0 + 70 * Ms, "workers", "Workers.Export", 17, "Error", $"export failed for {trace[..6]}", new Dictionary<string, string>(), trace, "0000000000000005"),
        ]);
        return trace;
    }

    [Fact]
    public async Task A_seeded_trace_is_returned_as_a_tree_in_depth_first_order_with_bars_scaled_to_the_trace()
    {
        var trace = await SeedTraceAsync();

        var detail = await app.Http.GetFromJsonAsync<JsonElement>($"/api/telemetry/traces/{trace}");

        Assert.Equal(100.0, detail.GetProperty("durationMs").GetDouble());
        Assert.Equal(["postgres", "web", "workers"], detail.GetProperty("services").EnumerateArray().Select(s => s.GetString()));
        var rows = detail.GetProperty("spans").EnumerateArray().Select(r => (
            Name: r.GetProperty("span").GetProperty("name").GetString(), Depth: r.GetProperty("depth").GetInt32(),
            Parent: r.GetProperty("span").GetProperty("parentSpanId").GetString(), Offset: r.GetProperty("offsetPercent").GetDouble(),
            Width: r.GetProperty("widthPercent").GetDouble(), Status: r.GetProperty("span").GetProperty("status").GetString())).ToList();
        Assert.Equal([
            ("POST /api/workflows", 0, null, 0.0, 100.0, "Unset"),
            ("workflow TradePipelineWorkflow", 1, "0000000000000001", 10.0, 80.0, "Unset"),
            ("activity aggregate", 2, "0000000000000002", 20.0, 40.0, "Unset"),
            ("INSERT pipeline", 3, "0000000000000003", 30.0, 20.0, "Unset"),
            ("activity export", 2, "0000000000000002", 65.0, 20.0, "Error"),
        ], rows);
    }

    [Fact]
    public async Task Traces_are_listed_with_root_services_and_counts_and_filtered_by_service()
    {
        var trace = await SeedTraceAsync();

        var all = await app.Http.GetFromJsonAsync<JsonElement>("/api/telemetry/traces?service=postgres&limit=500");
        var mine = Assert.Single(all.EnumerateArray(), t => t.GetProperty("traceId").GetString() == trace);
        Assert.Equal(("POST /api/workflows", "web", 5, 1, 100.0), (mine.GetProperty("rootName").GetString(), mine.GetProperty("rootService").GetString(),
            mine.GetProperty("spanCount").GetInt32(), mine.GetProperty("errorCount").GetInt32(), mine.GetProperty("durationMs").GetDouble()));
        var none = await app.Http.GetFromJsonAsync<JsonElement>("/api/telemetry/traces?service=no-such-service");
        Assert.Equal(0, none.GetArrayLength());
    }

    [Fact]
    public async Task Unknown_and_malformed_trace_ids_answer_404_and_400()
    {
        using var missing = await app.Http.GetAsync($"/api/telemetry/traces/{Guid.NewGuid():N}");
        using var malformed = await app.Http.GetAsync("/api/telemetry/traces/not-a-trace");
        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.BadRequest), (missing.StatusCode, malformed.StatusCode));
    }

    [Fact]
    public async Task The_trace_and_log_pages_render_the_stored_spans_and_records()
    {
        var trace = await SeedTraceAsync();

        var page = await app.Http.GetStringAsync($"/telemetry/traces/{trace}");
        Assert.Contains("<tr data-span=\"0000000000000004\" data-parent=\"0000000000000003\" data-depth=\"3\" data-service=\"postgres\">", page);
        Assert.Contains("margin-left: 65.000%; width: 20.000%", page);
        Assert.Contains("Error: boom", page);
        var list = await app.Http.GetStringAsync("/telemetry/traces?service=web");
        Assert.Contains($"href=\"/telemetry/traces/{trace}?tz=UTC\"", list);
        var logs = await app.Http.GetStringAsync($"/telemetry/logs?q=export+failed+for+{trace[..6]}");
        Assert.Contains($"export failed for {trace[..6]}", logs);
        var api = await app.Http.GetFromJsonAsync<JsonElement>($"/api/telemetry/logs?traceId={trace}");
        Assert.Equal("Workers.Export", Assert.Single(api.EnumerateArray()).GetProperty("scopeName").GetString());
    }
}
