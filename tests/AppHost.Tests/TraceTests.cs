using System.Net.Http.Json;
using System.Text.Json;

namespace AppHost.Tests;

/// <summary>
/// The Aspire dashboard is the telemetry view: a backfill started in Web is one trace there, read back through the
/// dashboard's telemetry API (<c>/api/telemetry</c>, OTLP JSON), from Web's request through the Temporal workflow to
/// each Workers activity and its PostgreSQL statements, every span linked to its parent.
/// </summary>
[Collection(RunningGraphCollection.Name)]
public sealed class TraceTests(RunningGraph graph)
{
    static readonly string[] Steps = ["SealWindow", "Aggregate", "Detect", "Export"];

    [Fact]
    public async Task A_backfill_is_one_trace_from_the_web_request_through_the_workflow_to_each_activity_and_its_postgresql_statements()
    {
        var traceUrl = graph.Backfill.GetProperty("traceUrl").GetString();
        Assert.False(string.IsNullOrEmpty(traceUrl), $"the run has no trace link: {graph.Backfill}");
        var traceId = traceUrl!.Split('/')[^1];
        using var dashboard = new HttpClient { BaseAddress = graph.Host.DashboardUrl, Timeout = TimeSpan.FromSeconds(30) };

        // Exporters send in batches: wait until the last activity's statements have arrived.
        var trace = await PipelineRuns.EventuallyAsync(() => TraceAsync(dashboard, traceId),
            t => t.Spans.FirstOrDefault(s => s.Name == "RunActivity:Export") is { } export && t.Below(export).Any(s => s.Database == "postgresql"), TimeSpan.FromSeconds(60));

        Assert.All(trace.Spans, s => Assert.Equal(traceId, s.TraceId));
        var root = Assert.Single(trace.Spans, s => s.ParentId is null || !trace.ById.ContainsKey(s.ParentId));
        Assert.Equal(("web", "POST"), (root.Service, root.Name.Split(' ')[0]));
        Assert.Contains("backfills", root.Name);

        var start = trace.Single("web", "StartWorkflow:TradePipelineWorkflow");
        Assert.Equal(root.SpanId, start.ParentId);
        var run = trace.Single("workers", "RunWorkflow:TradePipelineWorkflow");
        Assert.Equal(start.SpanId, run.ParentId); // the link across services, carried in Temporal's headers
        foreach (var step in Steps)
        {
            var scheduled = trace.Single("workers", $"StartActivity:{step}");
            Assert.Equal(run.SpanId, scheduled.ParentId);
            Assert.Equal(scheduled.SpanId, trace.Single("workers", $"RunActivity:{step}").ParentId);
        }
        foreach (var step in Steps)
        {
            var statements = trace.Below(trace.Single("workers", $"RunActivity:{step}")).Where(s => s.Database == "postgresql").ToList();
            Assert.True(statements.Count > 0, $"RunActivity:{step} has no PostgreSQL span below it: {trace}");
            Assert.All(statements, s => Assert.Equal("workers", s.Service));
        }
    }

    [Fact]
    public async Task Every_service_sends_traces_logs_and_metrics_to_the_dashboard()
    {
        using var dashboard = new HttpClient { BaseAddress = graph.Host.DashboardUrl, Timeout = TimeSpan.FromSeconds(30) };
        var resources = await dashboard.GetFromJsonAsync<JsonElement>("/api/telemetry/resources");
        foreach (var service in new[] { "feeds", "workers", "web", "temporal" })
        {
            var resource = resources.EnumerateArray().SingleOrDefault(r => r.GetProperty("name").GetString() == service);
            Assert.True(resource.ValueKind == JsonValueKind.Object, $"{service} is not in the dashboard's telemetry: {resources}");
            Assert.All(new[] { "hasTraces", "hasLogs", "hasMetrics" }, signal => Assert.True(resource.GetProperty(signal).GetBoolean(), $"{service}: {signal} is false"));
        }
    }

    sealed record Span(string Service, string TraceId, string SpanId, string? ParentId, string Name, string? Database)
    {
        public override string ToString() => $"{Service} {Name} {SpanId}<-{ParentId}{(Database is null ? "" : " db=" + Database)}";
    }

    sealed record Trace(IReadOnlyList<Span> Spans)
    {
        public Dictionary<string, Span> ById { get; } = Spans.GroupBy(s => s.SpanId).ToDictionary(g => g.Key, g => g.First());

        public Span Single(string service, string name) =>
            Spans.SingleOrDefault(s => s.Service == service && s.Name == name) ?? throw new Xunit.Sdk.XunitException($"no single {service} span '{name}' in: {this}");

        /// <summary>Every span whose chain of parents reaches <paramref name="ancestor"/>.</summary>
        public IEnumerable<Span> Below(Span ancestor) => Spans.Where(s =>
        {
            for (var parent = s.ParentId; parent is not null && ById.TryGetValue(parent, out var up); parent = up.ParentId)
                if (up.SpanId == ancestor.SpanId) return true;
            return false;
        });

        public override string ToString() => string.Join("; ", Spans);
    }

    /// <summary>The trace's spans from the dashboard (<c>data.resourceSpans[].scopeSpans[].spans[]</c>); empty until it knows the trace.</summary>
    static async Task<Trace> TraceAsync(HttpClient dashboard, string traceId)
    {
        using var response = await dashboard.GetAsync($"/api/telemetry/traces/{traceId}");
        if (!response.IsSuccessStatusCode) return new Trace([]);
        var data = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data");
        var spans = new List<Span>();
        foreach (var resource in data.GetProperty("resourceSpans").EnumerateArray())
        {
            var service = Attribute(resource.GetProperty("resource"), "service.name") ?? "";
            foreach (var span in resource.GetProperty("scopeSpans").EnumerateArray().SelectMany(scope => scope.GetProperty("spans").EnumerateArray()))
            {
                var parent = span.TryGetProperty("parentSpanId", out var p) && p.GetString() is { Length: > 0 } id ? id : null;
                spans.Add(new Span(service, span.GetProperty("traceId").GetString()!, span.GetProperty("spanId").GetString()!, parent,
                    span.GetProperty("name").GetString()!, Attribute(span, "db.system.name")));
            }
        }
        return new Trace(spans);
    }

    static string? Attribute(JsonElement owner, string key) =>
        owner.TryGetProperty("attributes", out var attributes)
            ? attributes.EnumerateArray().Where(a => a.GetProperty("key").GetString() == key)
                .Select(a => a.GetProperty("value").TryGetProperty("stringValue", out var v) ? v.GetString() : null).FirstOrDefault()
            : null;
}
