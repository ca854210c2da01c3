using Microsoft.Extensions.DependencyInjection.Extensions;
using TemporalServer.Api;

namespace TemporalServer.Schedules;

public static class ScheduleSetup
{
    /// <summary>The schedule RPCs and the background scheduler that takes their actions.</summary>
    public static IServiceCollection AddTemporalSchedules(this IServiceCollection services)
    {
        services.AddSingleton<ScheduleStore>();
        services.AddSingleton<ScheduleActions>();
        services.AddSingleton<IRpcFeature, ScheduleRpcs>();
        services.AddHostedService<Scheduler>();
        services.TryAddSingleton(TimeProvider.System);
        return services;
    }
}
