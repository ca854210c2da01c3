using System.Text.RegularExpressions;
using Telemetry.Metrics;
using Telemetry.Storage;
using Web.Api;

namespace Web.Telemetry;

/// <summary>REST API over what the local OTLP receiver stored (schema <c>telemetry</c>): <c>/api/telemetry/…</c>.</summary>
public static partial class TelemetryApi
{
    public static RouteGroupBuilder MapTelemetryApi(this RouteGroupBuilder api)
    {
        var telemetry = api.MapGroup("/telemetry").WithTags("Telemetry");

        telemetry.MapGet("/traces", async (TelemetryReader reader, string? service, string? limit, CancellationToken ct) =>
        {
            var v = new QueryValidation();
            var n = v.Int(nameof(limit), limit, 50, 1, 500);
            return v.IsValid ? Results.Ok(await reader.RecentTracesAsync(string.IsNullOrWhiteSpace(service) ? null : service, n, ct)) : v.Problem();
        })
        .WithSummary("Recent traces, newest first: root span, services crossed, duration (ms), span and error counts")
        .WithDescription("service: only traces with at least one span of that service (OTEL_SERVICE_NAME). limit: 1-500, default 50.")
        .Produces<IReadOnlyList<TraceSummary>>().ProducesValidationProblem();

        telemetry.MapGet("/traces/{traceId}", async (TelemetryReader reader, string traceId, CancellationToken ct) =>
        {
            if (!IsTraceId(traceId))
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [nameof(traceId)] = ["a W3C trace id: 32 hexadecimal digits"] });
            return await reader.TraceAsync(traceId, ct) is { } trace
                ? Results.Ok(trace)
                : Results.Problem(statusCode: 404, title: "Trace not found", detail: $"No span of trace {traceId} was received (yet): exporters send in batches every few seconds.");
        })
        .WithSummary("One trace as a waterfall: spans depth-first (children by start time) with depth, offset and width in % of the trace")
        .Produces<TraceDetail>().ProducesProblem(404).ProducesValidationProblem();

        telemetry.MapGet("/logs", async (TelemetryReader reader, string? q, string? service, string? minSeverity, string? traceId, string? limit, CancellationToken ct) =>
        {
            var v = new QueryValidation();
            var n = v.Int(nameof(limit), limit, 200, 1, 1000);
            int? severity = minSeverity is null ? null : v.Int(nameof(minSeverity), minSeverity, 0, 1, 24);
            if (traceId is not null && !IsTraceId(traceId)) v.Fail(nameof(traceId), "a W3C trace id: 32 hexadecimal digits");
            if (!v.IsValid) return v.Problem();
            return Results.Ok(await reader.LogsAsync(Blank(q), Blank(service), severity, traceId, n, ct));
        })
        .WithSummary("Log records, newest first")
        .WithDescription("q: text the message contains (case-insensitive); service; minSeverity: OTLP severity number 1-24 (9 Information, 13 Warning, 17 Error, 21 Fatal); traceId; limit 1-1000, default 200.")
        .Produces<IReadOnlyList<LogEntry>>().ProducesValidationProblem();

        telemetry.MapGet("/metrics", async (TelemetryReader reader, string? service, string? name, string? limit, CancellationToken ct) =>
        {
            var v = new QueryValidation();
            var n = v.Int(nameof(limit), limit, 500, 1, 5000);
            return v.IsValid ? Results.Ok(await reader.MetricsAsync(Blank(service), Blank(name), n, ct)) : v.Problem();
        })
        .WithSummary("Metrics by name and service: kind, unit, points and attribute sets stored, latest point")
        .WithDescription("service: only that service's metrics; name: text the metric name contains (case-insensitive); limit 1-5000, default 500. " +
                         "A cumulative counter's latest value is its running total; a histogram's latest point carries its buckets.")
        .Produces<IReadOnlyList<MetricSummary>>().ProducesValidationProblem();

        telemetry.MapGet("/metrics/{name}", async (TelemetryReader reader, string name, string? service, string? window, CancellationToken ct) =>
        {
            var v = new QueryValidation();
            var span = MetricWindow(v, window);
            if (!v.IsValid) return v.Problem();
            return await reader.MetricAsync(name, Blank(service), span, MetricPointLimit, ct) is { } detail
                ? Results.Ok(MetricChart.Build(detail))
                : Results.Problem(statusCode: 404, title: "Metric not found",
                    detail: $"No point of metric {name}{(Blank(service) is { } s ? $" of {s}" : "")} was received (yet): services export metrics every 5 s.");
        })
        .WithSummary("One metric over time, as charted: one series per service and attribute set")
        .WithDescription($"window: {string.Join(", ", MetricWindows.Keys)} up to the metric's latest point (default 1h). Counters (monotonic sums) are a rate per " +
                         "second between consecutive points (a restart counts from zero), histograms the mean and p95 of what was recorded between " +
                         $"points, gauges their values. At most {MetricChart.MaxSeries} series, those with the highest latest value; totalSeries says how many there are.")
        .Produces<MetricChartData>().ProducesProblem(404).ProducesValidationProblem();

        return api;
    }

    /// <summary>How far back the metric page and API look from a metric's latest point.</summary>
    public static readonly IReadOnlyDictionary<string, TimeSpan> MetricWindows = new Dictionary<string, TimeSpan>
    {
        ["15m"] = TimeSpan.FromMinutes(15),
        ["1h"] = TimeSpan.FromHours(1),
        ["6h"] = TimeSpan.FromHours(6),
        ["24h"] = TimeSpan.FromHours(24),
    };

    public const string DefaultMetricWindow = "1h";

    /// <summary>Points read for one chart at most (24 h of 5-second exports is 17,280 per series).</summary>
    public const int MetricPointLimit = 200_000;

    public static TimeSpan MetricWindow(QueryValidation v, string? window)
    {
        if (string.IsNullOrWhiteSpace(window)) return MetricWindows[DefaultMetricWindow];
        if (MetricWindows.TryGetValue(window, out var span)) return span;
        v.Fail(nameof(window), $"'{window}' is not a window; use one of {string.Join(", ", MetricWindows.Keys)}.");
        return MetricWindows[DefaultMetricWindow];
    }

    public static bool IsTraceId(string? value) => value is not null && TraceIdPattern().IsMatch(value);

    /// <summary>The trace id of a W3C <c>traceparent</c> (<c>00-&lt;trace-id&gt;-&lt;span-id&gt;-&lt;flags&gt;</c>), or null.</summary>
    public static string? TraceIdOf(string? traceParent) =>
        traceParent?.Split('-') is [_, var traceId, _, _] && IsTraceId(traceId) && traceId.Any(c => c != '0') ? traceId.ToLowerInvariant() : null;

    static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;

    [GeneratedRegex("^[0-9a-fA-F]{32}$")]
    private static partial Regex TraceIdPattern();
}
