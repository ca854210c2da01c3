using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Temporalio.Client;
using Temporalio.Extensions.Hosting;

namespace ServiceDefaults.Temporal;

public static class TemporalRegistration
{
    /// <summary>
    /// Registers <see cref="ITemporalClient"/> (Temporalio.Extensions.Hosting's lazy singleton, connected on first
    /// use) for <c>ConnectionStrings:&lt;name&gt;</c> and <see cref="TemporalSettings"/>, with the tracing interceptor,
    /// the SDK's metrics bridged to OpenTelemetry, and a readiness check against the frontend.
    /// </summary>
    public static IHostApplicationBuilder AddTemporalClient(this IHostApplicationBuilder builder, string connectionName = "temporal")
    {
        if (builder.Services.Any(d => d.ServiceType == typeof(TemporalSettings))) return builder;
        var settings = TemporalSettings.Read(builder.Configuration, connectionName);
        builder.Services.AddSingleton(settings);
        builder.Services.TryAddSingleton<TemporalMetrics>();
        builder.Services.AddTemporalClient(settings.TargetHost, settings.Namespace).Configure<TemporalMetrics>((options, metrics) =>
        {
            options.ApiKey = settings.ApiKey;
            options.Tls = settings.Tls;
            options.Interceptors = [new TemporalTracing()];
            options.Runtime = metrics.Runtime;
        });
        builder.Services.ConfigureOpenTelemetryTracerProvider(t => t.AddSource(TemporalTracing.SourceNames));
        builder.Services.ConfigureOpenTelemetryMeterProvider(m => m.AddMeter(TemporalMetrics.MeterName));
        builder.Services.AddHealthChecks().Add(new(connectionName, sp => new TemporalHealthCheck(sp.GetRequiredService<ITemporalClient>(), settings), null, [Extensions.ReadyTag]));
        return builder;
    }

    /// <summary>A hosted worker polling <paramref name="taskQueue"/> through the registered client; add workflows and activities to the builder.</summary>
    public static ITemporalWorkerServiceOptionsBuilder AddTemporalWorker(this IHostApplicationBuilder builder, string taskQueue, string connectionName = "temporal") =>
        builder.AddTemporalClient(connectionName).Services.AddHostedTemporalWorker(taskQueue);
}

/// <summary>
/// Healthy when the frontend answers GetSystemInfo (the call every SDK makes first; it connects the lazy client if it is
/// not yet): a real answer of the WorkflowService, on any Temporal server, Cloud included.
/// </summary>
sealed class TemporalHealthCheck(ITemporalClient client, TemporalSettings settings) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var info = await client.Connection.WorkflowService.GetSystemInfoAsync(new(), new() { CancellationToken = cancellationToken });
            return HealthCheckResult.Healthy($"Temporal {info.ServerVersion} at {settings.TargetHost}, namespace {settings.Namespace}".Replace("  ", " ", StringComparison.Ordinal));
        }
        catch (Exception e) when (e is Temporalio.Exceptions.RpcException or InvalidOperationException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"Temporal at {settings.TargetHost}: {e.Message}");
        }
    }
}
