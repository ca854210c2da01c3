using Microsoft.Extensions.Configuration;

namespace AppHost.Resources;

public static class Services
{
    /// <summary>
    /// One of the pipeline's services: an HTTP endpoint (a fixed port, or any free one), ready once <c>/health</c>
    /// answers, in <c>ServiceEnvironment</c> (default Development), exporting its telemetry to the dashboard or to
    /// the AppHost's own <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>.
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddService<TProject>(this IDistributedApplicationBuilder builder, string name, int? port = null)
        where TProject : IProjectMetadata, new()
    {
        var configuration = builder.Configuration;
        var environment = configuration["ServiceEnvironment"] is { Length: > 0 } configured ? configured : "Development";
        return builder.AddProject<TProject>(name, launchProfileName: null)
            .WithHttpEndpoint(port: port)
            .WithHttpHealthCheck("/health")
            .WithEnvironment("ASPNETCORE_ENVIRONMENT", environment)
            .WithEnvironment("DOTNET_ENVIRONMENT", environment)
            .WithEnvironment(context =>
            {
                // Any other OTLP backend instead of the dashboard: the dashboard's API key means nothing there.
                if (configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] is not { Length: > 0 } backend) return;
                context.EnvironmentVariables["OTEL_EXPORTER_OTLP_ENDPOINT"] = backend;
                context.EnvironmentVariables.Remove("OTEL_EXPORTER_OTLP_HEADERS");
                if (configuration["OTEL_EXPORTER_OTLP_PROTOCOL"] is { Length: > 0 } protocol) context.EnvironmentVariables["OTEL_EXPORTER_OTLP_PROTOCOL"] = protocol;
            });
    }

    /// <summary>Passes the AppHost's <c>&lt;section&gt;:*</c> settings to the service as <c>&lt;section&gt;__*</c> variables.</summary>
    public static IResourceBuilder<ProjectResource> WithConfigurationSection(this IResourceBuilder<ProjectResource> builder, string section)
    {
        var settings = builder.ApplicationBuilder.Configuration.GetSection(section);
        return builder.WithEnvironment(context =>
        {
            foreach (var (key, value) in settings.AsEnumerable(makePathsRelative: true))
                if (value is not null) context.EnvironmentVariables[$"{section}__{key.Replace(":", "__", StringComparison.Ordinal)}"] = value;
        });
    }

    /// <summary>Web links runs to their traces in the dashboard (run mode; the dashboard's address is the AppHost's own URL).</summary>
    public static IResourceBuilder<ProjectResource> WithDashboardLinks(this IResourceBuilder<ProjectResource> builder)
    {
        var dashboard = builder.ApplicationBuilder.Configuration["ASPNETCORE_URLS"]?.Split(';')[0];
        return string.IsNullOrEmpty(dashboard) ? builder : builder.WithEnvironment("Dashboard__Url", dashboard);
    }
}
