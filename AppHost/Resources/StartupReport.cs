using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AppHost.Resources;

/// <summary>
/// Logs once every resource is healthy: how long it took and where everything is (the dashboard, each endpoint).
/// The dashboard shows the same live; this line is for terminals and scripts.
/// </summary>
sealed class StartupReport(DistributedApplicationModel model, ResourceNotificationService notifications, IConfiguration configuration, ILogger<StartupReport> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var clock = Stopwatch.StartNew();
        // The graph's resources are the ones with a health check; the dashboard (run mode only) has none.
        var resources = model.Resources.Where(r => r.Annotations.OfType<HealthCheckAnnotation>().Any()).ToList();
        await Task.WhenAll(resources.Select(r => notifications.WaitForResourceHealthyAsync(r.Name, stoppingToken)));
        logger.LogInformation("all {Count} resources healthy in {Seconds:F1} s", resources.Count, clock.Elapsed.TotalSeconds);
        if (configuration["ASPNETCORE_URLS"] is { Length: > 0 } dashboard) logger.LogInformation("dashboard: {Url}", dashboard);
        foreach (var resource in resources)
        {
            var urls = resource is IResourceWithEndpoints withEndpoints ? withEndpoints.GetEndpoints().Select(e => e.Url) : ["external"];
            logger.LogInformation("{Resource}: {Urls}", resource.Name, string.Join(" ", urls));
        }
    }
}

public static class StartupReportExtensions
{
    public static IDistributedApplicationBuilder AddStartupReport(this IDistributedApplicationBuilder builder)
    {
        builder.Services.AddHostedService<StartupReport>();
        return builder;
    }
}
