namespace Web.Dashboard;

/// <summary>
/// Links into the Aspire dashboard, the pipeline's telemetry view (traces, structured logs, metrics), at
/// <c>Dashboard:Url</c>. Without that setting (Web run on its own) there is nothing to link to.
/// </summary>
public sealed class DashboardLinks(IConfiguration configuration)
{
    readonly Uri? _root = configuration["Dashboard:Url"] is { Length: > 0 } url ? new Uri(url) : null;

    public string? Traces => _root is null ? null : new Uri(_root, "/traces").ToString();

    /// <summary>The dashboard's page of the trace a W3C <c>traceparent</c> belongs to.</summary>
    public string? Trace(string? traceParent) =>
        _root is not null && TraceIdOf(traceParent) is { } traceId ? new Uri(_root, $"/traces/detail/{traceId}").ToString() : null;

    static string? TraceIdOf(string? traceParent) =>
        traceParent?.Split('-') is [_, var traceId, _, _] && traceId.Length == 32 && traceId.All(char.IsAsciiHexDigit) && traceId.Any(c => c != '0')
            ? traceId.ToLowerInvariant()
            : null;
}
