using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Durable;

/// <summary>Registers workflows and activities of one worker.</summary>
public sealed class DurableWorkerBuilder(IServiceCollection services, DurableWorkerOptions options)
{
    public IServiceCollection Services { get; } = services;
    public DurableWorkerOptions Options { get; } = options;

    public DurableWorkerBuilder AddWorkflow<TWorkflow>() where TWorkflow : class
    {
        Options.AddWorkflow(typeof(TWorkflow));
        return this;
    }

    /// <summary>Activity instances are created by DI, one per attempt, in their own scope.</summary>
    public DurableWorkerBuilder AddActivities<TActivities>() where TActivities : class
    {
        Options.AddActivities(typeof(TActivities));
        Services.TryAddScoped<TActivities>();
        return this;
    }

    public DurableWorkerBuilder AddActivities<TActivities>(TActivities instance) where TActivities : class
    {
        Options.AddActivities(typeof(TActivities));
        Services.TryAddSingleton(instance);
        return this;
    }
}

public static class DurableServiceCollectionExtensions
{
    /// <summary>Adds a worker (an IHostedService) polling one task queue. Needs an NpgsqlDataSource in DI.</summary>
    public static DurableWorkerBuilder AddDurableWorker(this IServiceCollection services, Action<DurableWorkerOptions> configure)
    {
        var options = new DurableWorkerOptions();
        configure(options);
        if (!services.Any(d => d.ServiceType == typeof(DurableWorkerHealth)))
        {
            services.AddSingleton<DurableWorkerHealth>();
            services.AddHealthChecks().AddCheck<DurableHealthCheck>("durable-worker", HealthStatus.Unhealthy, ["durable"]);
        }
        services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<DurableWorker>(sp, options));
        return new DurableWorkerBuilder(services, options);
    }

    /// <summary>Adds a singleton <see cref="DurableClient"/>. Needs an NpgsqlDataSource in DI.</summary>
    public static IServiceCollection AddDurableClient(this IServiceCollection services, Action<DurableClientOptions>? configure = null)
    {
        var options = new DurableClientOptions();
        configure?.Invoke(options);
        services.TryAddSingleton(sp => ActivatorUtilities.CreateInstance<DurableClient>(sp, options));
        return services;
    }
}
