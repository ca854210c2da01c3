using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using ServiceDefaults.Health;

namespace ServiceDefaults;

/// <summary>
/// What every service of the pipeline shares, in the shape of the Aspire template's ServiceDefaults: OpenTelemetry
/// (traces, metrics, logs; OTLP export when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, as the AppHost does), service
/// discovery, resilient HttpClients, and the <c>/health</c> and <c>/alive</c> endpoints.
/// </summary>
public static class Extensions
{
    /// <summary>Health checks tagged with this belong to /health (dependencies the service needs to do its work).</summary>
    public const string ReadyTag = "ready";

    /// <summary>Every ActivitySource and Meter of the pipeline's own code is named <c>Pipeline.&lt;feature&gt;</c>.</summary>
    public const string PipelineTelemetry = "Pipeline.*";

    const string HealthEndpointPath = "/health";
    const string AlivenessEndpointPath = "/alive";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });
        builder.Services.AddHostedService<LauncherWatch>();
        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        var telemetry = builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddMeter(PipelineTelemetry))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName, PipelineTelemetry)
                // The AppHost probes every service every few seconds; traced, those probes would bury the real traces.
                // A filtered request is not recorded, so neither are the spans of its checks (they follow their parent).
                .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = context => !IsProbe(context.Request.Path))
                .AddHttpClientInstrumentation()
                .AddNpgsql());

        // The AppHost names each service with OTEL_SERVICE_NAME; run on its own, a service is named after its assembly.
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_SERVICE_NAME"]))
            telemetry.ConfigureResource(resource => resource.AddService(builder.Environment.ApplicationName));

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
            telemetry.UseOtlpExporter();
        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), ["live"]);
        return builder;
    }

    /// <summary>/alive: the process answers; /health: the process and every dependency it needs are healthy.</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions { Predicate = check => check.Tags.Contains("live") });
        app.MapHealthChecks(HealthEndpointPath, new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag) || check.Tags.Contains("live"),
            ResponseWriter = HealthReportWriter.WriteJsonAsync,
        });
        return app;
    }

    static bool IsProbe(PathString path) => path.StartsWithSegments(HealthEndpointPath) || path.StartsWithSegments(AlivenessEndpointPath);
}
