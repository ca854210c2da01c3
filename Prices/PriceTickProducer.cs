using System.Diagnostics;
using Confluent.Kafka;

namespace Prices;

/// <summary>
/// Sends ticks to a topic as JSON, keyed by symbol (a symbol's ticks stay in order on one partition), and waits until
/// the broker has acknowledged every one: it returns only when all were delivered, else throws naming how many were not.
/// </summary>
public static class PriceTickProducer
{
    public const string DefaultTopic = "prices";

    public static async Task<long> ProduceAsync(IProducer<string, string> producer, string topic, IReadOnlyList<PriceTick> ticks, CancellationToken ct)
    {
        using var span = PriceTelemetry.Source.StartActivity("prices produce", ActivityKind.Producer);
        span?.SetTag("messaging.destination.name", topic);
        span?.SetTag("messaging.batch.message_count", ticks.Count);
        long delivered = 0, failed = 0;
        string? firstError = null;
        foreach (var tick in ticks)
        {
            ct.ThrowIfCancellationRequested();
            while (true)
            {
                try
                {
                    // Produce with a delivery handler, not ProduceAsync per message: librdkafka batches while we keep sending.
                    producer.Produce(topic, new Message<string, string> { Key = tick.Symbol, Value = tick.ToJson() }, report =>
                    {
                        if (report.Error.IsError)
                        {
                            Interlocked.CompareExchange(ref firstError, report.Error.Reason, null);
                            Interlocked.Increment(ref failed);
                        }
                        else Interlocked.Increment(ref delivered);
                    });
                    break;
                }
                catch (ProduceException<string, string> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(100)); // the local queue drains as the broker acknowledges
                }
            }
        }
        await Task.Run(() =>
        {
            while (producer.Flush(TimeSpan.FromMilliseconds(200)) > 0) ct.ThrowIfCancellationRequested();
        }, ct);
        PriceTelemetry.Produced.Add(delivered, new KeyValuePair<string, object?>("messaging.destination.name", topic));
        if (failed > 0)
        {
            span?.SetStatus(ActivityStatusCode.Error, firstError);
            throw new KafkaException(new Error(ErrorCode.Local_Fail, $"{failed:N0} of {ticks.Count:N0} ticks were not delivered to {topic}: {firstError}"));
        }
        return delivered;
    }
}
