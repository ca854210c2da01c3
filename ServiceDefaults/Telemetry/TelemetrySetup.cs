using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ServiceDefaults.Telemetry;

/// <summary>
/// OpenTelemetry traces, metrics and logs with the core SDK only (OpenTelemetry.Extensions.Hosting and the
/// Instrumentation packages are not on this environment's NuGet mirror): sources and meters are subscribed by name.
/// Export is OTLP/HTTP protobuf, on only when OTEL_EXPORTER_OTLP_ENDPOINT is set, as the AppHost does.
/// </summary>
public static class TelemetrySetup
{
    /// <summary>The pipeline's own sources and meters share this prefix; each feature names its own below it.</summary>
    public const string PipelinePrefix = "Pipeline.";

    static readonly string[] Sources = ["Microsoft.AspNetCore", "System.Net.Http", "Npgsql", "Durable", PipelinePrefix + "*"];
    static readonly string[] Meters =
    [
        "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Routing", "System.Net.Http",
        "System.Runtime", "Npgsql", "Microsoft.EntityFrameworkCore", "Durable", PipelinePrefix + "*",
    ];

    public static void ConfigureTelemetry(this IHostApplicationBuilder builder)
    {
        var serviceName = builder.Configuration["OTEL_SERVICE_NAME"] ?? builder.Environment.ApplicationName;
        var otel = new OpenTelemetryBuilder(builder.Services)
            .ConfigureResource(r => r.AddService(serviceName))
            .WithTracing(t => t.AddSource(Sources))
            .WithMetrics(m => m.AddMeter(Meters))
            .WithLogging();

        if (builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] is { Length: > 0 } endpoint)
        {
            otel.UseOtlpExporter(OtlpExportProtocol.HttpProtobuf, new Uri(endpoint));
            builder.Services.Configure<MetricReaderOptions>(o =>
                o.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = builder.Configuration.GetValue("OTEL_METRIC_EXPORT_INTERVAL", 5000));
        }
        builder.Services.AddHostedService<TelemetryStarter>();
    }

    /// <summary>Gives the SDK's WithTracing/WithMetrics/WithLogging extensions the app's service collection.</summary>
    sealed class OpenTelemetryBuilder(IServiceCollection services) : IOpenTelemetryBuilder
    {
        public IServiceCollection Services { get; } = services;
    }

    /// <summary>Builds the providers at start so listeners attach before the first request; DI disposes (and flushes) them.</summary>
    sealed class TelemetryStarter(IServiceProvider services) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            services.GetService<TracerProvider>();
            services.GetService<MeterProvider>();
            services.GetService<LoggerProvider>();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
