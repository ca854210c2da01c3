using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace ServiceDefaults.Telemetry;

/// <summary>
/// Stand-in for OpenTelemetry.Instrumentation.AspNetCore: ASP.NET Core's own server span carries no attributes,
/// so name it "{method} {route}" and add the HTTP semantic-convention tags. Health probes are not recorded.
/// </summary>
sealed class ServerSpanEnricher(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        // The AppHost and Web probe every service every few seconds; recorded, those traces would bury the real ones.
        // Unrecorded here, the probe's own spans (its database checks) are not sampled either: they follow their parent.
        if (IsProbe(context.Request.Path) && context.Features.Get<IHttpActivityFeature>()?.Activity is { } probe)
        {
            probe.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
            probe.IsAllDataRequested = false;
        }
        try
        {
            await next(context);
        }
        finally
        {
            if (context.Features.Get<IHttpActivityFeature>()?.Activity is { } span)
            {
                var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
                span.DisplayName = route is null ? context.Request.Method : $"{context.Request.Method} {route}";
                span.SetTag("http.request.method", context.Request.Method);
                span.SetTag("url.scheme", context.Request.Scheme);
                span.SetTag("url.path", context.Request.Path.Value);
                if (route is not null) span.SetTag("http.route", route);
                span.SetTag("http.response.status_code", context.Response.StatusCode);
                if (context.Response.StatusCode >= 500) span.SetStatus(ActivityStatusCode.Error);
            }
        }
    }

    static bool IsProbe(PathString path) => path.Equals("/health", StringComparison.OrdinalIgnoreCase) || path.Equals("/alive", StringComparison.OrdinalIgnoreCase);
}
