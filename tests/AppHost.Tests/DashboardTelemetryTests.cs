using System.Text.Json;

namespace AppHost.Tests;

/// <summary>
/// The Aspire dashboard is the telemetry view: a pipeline run started in Web and executed by Workers is one trace
/// there, with PostgreSQL's client spans, read back through the dashboard's telemetry API; every service sends metrics.
/// </summary>
public sealed class DashboardTelemetryTests : IDisposable
{
    static readonly string[] Services = ["feeds", "workers", "web"];
    readonly string _data = PipelineRuns.NewDataDirectory();

    // Not passing yet: the run completes, but GET /api/telemetry/traces/{traceId} on the dashboard yields no spans in
    // the shape this test reads (the 13.6 API's path or answer shape still has to be checked against a live dashboard).
    [Fact(Skip = "dashboard telemetry API read-back not working yet; see the comment above")]
    public async Task A_pipeline_run_is_one_dashboard_trace_with_spans_from_web_workers_and_postgresql_and_every_service_sends_metrics()
    {
        await using var host = await AppHostProcess.StartAsync(PipelineRuns.AppHostArguments(_data));
        using var web = new HttpClient { BaseAddress = host.Urls["web"], Timeout = TimeSpan.FromSeconds(30) };
        using var dashboard = new HttpClient { BaseAddress = host.DashboardUrl, Timeout = TimeSpan.FromSeconds(30) };
        var stored = await PipelineRuns.EventuallyAsync(() => PipelineRuns.CountAsync(host.Postgres, "SELECT count(*) FROM pipeline.trades"), n => n > 0, TimeSpan.FromSeconds(90));
        Assert.True(stored > 0, "no trade reached PostgreSQL");

        var run = await PipelineRuns.BackfillFeedDayAsync(web);
        var traceId = run.GetProperty("traceParent").GetString()!.Split('-')[1];

        // Exporters send in batches: wait until both services' spans of this trace have arrived.
        var spans = await PipelineRuns.EventuallyAsync(() => SpansAsync(dashboard, $"/api/telemetry/traces/{traceId}"), IsComplete, TimeSpan.FromSeconds(60));
        Assert.True(IsComplete(spans), $"trace {traceId}: {string.Join("; ", spans.Select(s => $"{s.Service} {s.Name} db={s.Database}"))}");
        Assert.Contains(spans, s => s.Service == "workers" && s.Name == "RunActivity:Export");

        var resources = await PipelineRuns.EventuallyAsync(() => ResourcesAsync(dashboard), r => Services.All(s => SentMetrics(r, s)), TimeSpan.FromSeconds(120));
        Assert.All(Services, service => Assert.True(SentMetrics(resources, service), $"{service} sent no metrics: {resources}"));
    }

    static bool IsComplete(IReadOnlyList<Span> spans) =>
        spans.Any(s => s.Service == "web" && s.Database == "postgresql") && spans.Any(s => s.Service == "workers" && s.Database == "postgresql");

    sealed record Span(string Service, string Name, string? Database);

    /// <summary>The spans of an OTLP JSON answer (<c>resourceSpans[].scopeSpans[].spans[]</c>), wherever the API nests it.</summary>
    static async Task<IReadOnlyList<Span>> SpansAsync(HttpClient dashboard, string path)
    {
        using var response = await dashboard.GetAsync(path);
        if (!response.IsSuccessStatusCode) return [];
        var spans = new List<Span>();
        Collect(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement, spans);
        return spans;
    }

    static void Collect(JsonElement element, List<Span> spans)
    {
        if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray()) Collect(item, spans);
            return;
        }
        if (element.ValueKind != JsonValueKind.Object) return;
        if (element.TryGetProperty("resourceSpans", out var resourceSpans))
        {
            foreach (var resource in resourceSpans.EnumerateArray())
            {
                var service = Attribute(resource.GetProperty("resource"), "service.name") ?? "";
                var scopeSpans = resource.GetProperty("scopeSpans").EnumerateArray().SelectMany(scope => scope.GetProperty("spans").EnumerateArray());
                spans.AddRange(scopeSpans.Select(span => new Span(service, span.GetProperty("name").GetString()!, Attribute(span, "db.system.name") ?? Attribute(span, "db.system"))));
            }
            return;
        }
        foreach (var property in element.EnumerateObject()) Collect(property.Value, spans);
    }

    static string? Attribute(JsonElement owner, string key) =>
        owner.TryGetProperty("attributes", out var attributes)
            ? attributes.EnumerateArray().Where(a => a.GetProperty("key").GetString() == key)
                .Select(a => a.GetProperty("value").TryGetProperty("stringValue", out var v) ? v.GetString() : null).FirstOrDefault()
            : null;

    static async Task<JsonElement> ResourcesAsync(HttpClient dashboard)
    {
        using var response = await dashboard.GetAsync("/api/telemetry/resources");
        return response.IsSuccessStatusCode ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement : default;
    }

    static bool SentMetrics(JsonElement resources, string service) =>
        resources.ValueKind == JsonValueKind.Array && resources.EnumerateArray().Any(r =>
            r.GetProperty("name").GetString() is { } name && (name == service || name.StartsWith(service + "-", StringComparison.Ordinal))
            && r.TryGetProperty("hasMetrics", out var hasMetrics) && hasMetrics.GetBoolean());

    public void Dispose() => Directory.Delete(_data, recursive: true);
}
