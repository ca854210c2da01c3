using System.Diagnostics;
using System.Diagnostics.Metrics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Meters.Generation;

/// <summary>
/// Sends the generator's messages to Kafka: first the backfill (every tick of the last
/// <see cref="MeterFeedOptions.BackfillHours"/> at once), then one tick per interval of simulated time, where simulated
/// time runs <see cref="MeterFeedOptions.Speed"/> times as fast as the clock from the moment the producer starts.
/// Messages are keyed by device, so each device's measurements stay in order in one partition.
/// </summary>
public sealed class MeterProducer(IProducer<byte[]?, byte[]> producer, MeterFeedOptions options, TimeProvider time, ILogger logger)
{
    static readonly Counter<long> Sent = MeterTelemetry.Meter.CreateCounter<long>("pipeline.meters.produced", "{message}", "meter messages sent to Kafka");

    /// <summary>Sends until cancelled or, when <paramref name="until"/> is given, until simulated time passes it; returns the messages sent.</summary>
    public async Task<long> RunAsync(DateTime? until, CancellationToken ct)
    {
        if (options.Validate() is { } problem) throw new ArgumentException(problem, nameof(options));
        var start = time.GetUtcNow().UtcDateTime;
        var clock = Stopwatch.StartNew();
        DateTime Simulated() => start + clock.Elapsed * options.Speed;

        var now = MeterGenerator.TickAtOrBefore(start, options.Interval);
        var first = now - (long)(options.BackfillHours * 3600 / options.Interval.TotalSeconds);
        long sent = 0;
        using (var backfill = MeterTelemetry.Source.StartActivity("meters.produce backfill", ActivityKind.Producer))
        {
            for (var tick = first; tick <= now; tick++) sent += Produce(tick);
            producer.Flush(ct);
            backfill?.SetTag("meters.messages", sent);
        }
        logger.LogInformation("meter producer: {Count} message(s) of {Hours} h backfill sent to {Topic}; then every {Interval} at {Speed}x", sent, options.BackfillHours, options.Topic, options.Interval, options.Speed);

        for (var tick = now + 1; !ct.IsCancellationRequested; tick++)
        {
            var due = MeterGenerator.TimeOf(tick, options.Interval);
            if (until is { } end && due > end) break;
            var wait = (due - Simulated()) / options.Speed;
            if (wait > TimeSpan.Zero) await Task.Delay(wait, time, ct);
            using var span = MeterTelemetry.Source.StartActivity("meters.produce tick", ActivityKind.Producer);
            var count = Produce(tick);
            span?.SetTag("meters.messages", count);
            sent += count;
        }
        producer.Flush(CancellationToken.None);
        return sent;
    }

    int Produce(long tick)
    {
        var count = 0;
        foreach (var message in MeterGenerator.At(tick, options))
        {
            producer.Produce(options.Topic, new Message<byte[]?, byte[]> { Key = System.Text.Encoding.UTF8.GetBytes(message.DeviceId), Value = MeterGenerator.ToJson(message) }, Report);
            count++;
        }
        Sent.Add(count);
        return count;
    }

    void Report(DeliveryReport<byte[]?, byte[]> report)
    {
        if (report.Error.IsError) logger.LogWarning("meter message not delivered to {Topic}: {Reason}", options.Topic, report.Error.Reason);
    }
}
