using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Confluent.Kafka;

namespace Feeds.Heartbeat;

/// <summary>
/// Publishes a small message every few seconds so the whole path Feeds → Kafka → Workers → PostgreSQL can be seen
/// working (on the resource page and in the AppHost test) before and besides the real feeds.
/// </summary>
sealed class HeartbeatPublisher(IProducer<string, string> producer, IConfiguration configuration, ILogger<HeartbeatPublisher> logger) : BackgroundService
{
    public const string Topic = "pipeline.heartbeat";
    static readonly ActivitySource Source = new("Pipeline.Feeds");
    static readonly Counter<long> Published = new Meter("Pipeline.Feeds").CreateCounter<long>("pipeline.heartbeat.published");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(configuration.GetValue("Heartbeat:IntervalSeconds", 2.0));
        var instance = $"feeds-{Environment.ProcessId}-{DateTime.UtcNow:yyyyMMddHHmmss}";
        using var timer = new PeriodicTimer(interval);
        long sequence = 0;
        do
        {
            using var span = Source.StartActivity("heartbeat publish", ActivityKind.Producer);
            var message = JsonSerializer.Serialize(new { source = instance, sequence = ++sequence, sentAt = DateTime.UtcNow }, JsonSerializerOptions.Web);
            try
            {
                await producer.ProduceAsync(Topic, new Message<string, string> { Key = instance, Value = message }, stoppingToken);
                Published.Add(1);
            }
            catch (ProduceException<string, string> e)
            {
                // The next tick tries again; a heartbeat is a liveness signal, not data that must arrive.
                logger.LogWarning("heartbeat {Sequence} not delivered: {Reason}", sequence, e.Error.Reason);
                span?.SetStatus(ActivityStatusCode.Error, e.Error.Reason);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
