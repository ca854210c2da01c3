using System.Diagnostics;

namespace Web.Dashboard;

/// <summary>
/// Links into the Aspire dashboard, the pipeline's telemetry view (traces, structured logs, metrics), at
/// <c>Dashboard:Url</c>. Without that setting (Web run on its own) there is nothing to link to.
/// </summary>
public sealed class DashboardLinks(IConfiguration configuration)
{
    readonly Uri? _root = configuration["Dashboard:Url"] is { Length: > 0 } url ? new Uri(url) : null;

    public string? Traces => _root is null ? null : new Uri(_root, "/traces").ToString();

    /// <summary>The dashboard's page of a trace (<c>/traces/detail/{traceId}</c>); none for the empty trace ID.</summary>
    public string? Trace(ActivityTraceId traceId) =>
        _root is not null && traceId != default ? new Uri(_root, $"/traces/detail/{traceId.ToHexString()}").ToString() : null;
}
