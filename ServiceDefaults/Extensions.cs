using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using ServiceDefaults.Health;
using ServiceDefaults.Kafka;
using ServiceDefaults.Telemetry;

namespace ServiceDefaults;

/// <summary>What every service of the pipeline shares: telemetry, health, Kafka's native library, launcher integration.</summary>
public static class Extensions
{
    /// <summary>Health checks tagged with this belong to /health (dependencies the service needs to do its work).</summary>
    public const string ReadyTag = "ready";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        KafkaNative.EnsureLoaded();
        builder.ConfigureTelemetry();
        builder.AddDefaultHealthChecks();
        builder.Services.AddHostedService<LauncherWatch>();
        return builder;
    }

    /// <summary>/alive: the process answers; /health: the process and every dependency it needs are healthy.</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.UseMiddleware<ServerSpanEnricher>();
        app.MapHealthChecks("/alive", new HealthCheckOptions { Predicate = check => check.Tags.Contains("live") });
        app.MapHealthChecks("/health", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag) || check.Tags.Contains("live"),
            ResponseWriter = HealthReportWriter.WriteJsonAsync,
        });
        return app;
    }

    static void AddDefaultHealthChecks(this IHostApplicationBuilder builder) =>
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), ["live"]);
}
