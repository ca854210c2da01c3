using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Prices;
using ServiceDefaults.Kafka;
using ServiceDefaults.Temporal;
using Temporalio.Extensions.Hosting;
using Workers.Schedules;
using Workflows.Prices;

namespace Workers.Prices;

public static class PriceReportRegistration
{
    public const string ConsumerKey = "prices-report";

    /// <summary>
    /// The price report: its workflow and activity on their own task queue, the Kafka consumer each report builds, the
    /// store, and the Schedule. Needs the <c>postgres</c>, <c>kafka</c> and <c>temporal</c> connections.
    /// </summary>
    public static WebApplicationBuilder AddPriceReports(this WebApplicationBuilder builder)
    {
        builder.AddKeyedKafkaConsumer<Ignore, byte[]>("kafka", ConsumerKey, settings =>
        {
            settings.Config.GroupId = ConsumerKey; // never joined (partitions are assigned) nor committed: a report is a read
            PriceTopic.Configure(settings.Config);
        });
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<PriceReportStore>();
        builder.AddTemporalWorker(PriceReportWorkflow.TaskQueue)
            .AddScopedActivities<PriceReportActivities>()
            .AddWorkflow<PriceReportWorkflow>();
        builder.Services.AddIntervalSchedule(PriceReportSchedule.Schedule);
        return builder;
    }
}
