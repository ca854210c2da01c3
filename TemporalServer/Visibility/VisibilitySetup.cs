using Grpc.AspNetCore.Server;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TemporalServer.Api;

namespace TemporalServer.Visibility;

public static class VisibilitySetup
{
    /// <summary>List/Count in the list-filter language, search-attribute registration, and DescribeTaskQueue with the pollers every poll notes.</summary>
    public static IServiceCollection AddTemporalVisibility(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IRpcFeature, VisibilityQueries>();
        services.AddSingleton<SearchAttributeRegistry>();
        services.AddSingleton<IRpcFeature>(sp => sp.GetRequiredService<SearchAttributeRegistry>());
        services.AddSingleton<TaskQueuePollers>();
        services.AddSingleton<IRpcFeature>(sp => sp.GetRequiredService<TaskQueuePollers>());
        services.Configure<GrpcServiceOptions>(options => options.Interceptors.Add<TaskQueuePollers>());
        return services;
    }
}
