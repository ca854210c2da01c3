using Meters;
using ServiceDefaults.Temporal;
using Temporalio.Extensions.Hosting;
using Workers.Ingestion;
using Workers.Schedules;
using Workflows.Meters;

namespace Workers.Meters;

public static class MeterRegistration
{
    /// <summary>
    /// Meter measurements: raw capture of the meter topic, the meter workflow's worker (task queue <c>meters</c>) and
    /// its schedule. Series and cleaning rules come from <c>Meters</c> (<see cref="MeterOptions"/>).
    /// </summary>
    public static IHostApplicationBuilder AddMeters(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection("Meters").Get<MeterOptions>() ?? new MeterOptions();
        if (options.Validate() is { } problem) throw new InvalidOperationException($"Meters: {problem}");
        builder.Services.AddSingleton(options);
        builder.AddKafkaIngestion<MeterCapture>(MeterCapture.Group);
        builder.AddTemporalWorker(MeterPipelineWorkflow.TaskQueue)
            .AddScopedActivities<MeterActivities>()
            .AddWorkflow<MeterPipelineWorkflow>();
        builder.Services.AddIntervalSchedule(MeterLiveSchedule.Schedule);
        return builder;
    }
}
