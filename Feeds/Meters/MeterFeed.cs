using Microsoft.Extensions.DependencyInjection.Extensions;
using Confluent.Kafka;
using Meters.Generation;
using ServiceDefaults.Kafka;

namespace Feeds.Meters;

/// <summary>The meter producer as a service: backfill at start, then a tick every interval until the service stops.</summary>
sealed class MeterFeed(IProducer<byte[]?, byte[]> producer, MeterFeedOptions options, TimeProvider time, ILogger<MeterFeed> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Run(async () =>
        {
            try
            {
                await new MeterProducer(producer, options, time, logger).RunAsync(until: null, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
            }
        }, stoppingToken);
}

public static class MeterFeedRegistration
{
    /// <summary>
    /// The meter producer on the <c>kafka</c> connection, configured by <c>Meters:Feed</c> (<see cref="MeterFeedOptions"/>);
    /// <c>Meters:Feed:Enabled=false</c> leaves it out.
    /// </summary>
    public static IHostApplicationBuilder AddMeterFeed(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection("Meters:Feed");
        if (!section.GetValue("Enabled", true)) return builder;
        var options = section.Get<MeterFeedOptions>() ?? new MeterFeedOptions();
        if (options.Validate() is { } problem) throw new InvalidOperationException($"Meters:Feed: {problem}");
        builder.AddKafkaProducer<byte[]?, byte[]>("kafka");
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(options);
        builder.Services.AddHostedService<MeterFeed>();
        return builder;
    }
}
