using System.Diagnostics;
using Confluent.Kafka;

namespace Prices;

/// <summary>One partition of a report: read from <see cref="Low"/> (earliest) up to <see cref="High"/> (exclusive), the high-water mark at start.</summary>
public sealed record PartitionRange(int Partition, long Low, long High);

/// <summary>A tick with where it was in the topic.</summary>
public sealed record PositionedTick(PriceTick Tick, int Partition, long Offset);

/// <summary>The ticks of a set of offset ranges and how many of their messages were not ticks.</summary>
public sealed record PositionedTicks(IReadOnlyList<PositionedTick> Ticks, long Invalid);

/// <summary>A report over a topic, with the offsets it covers.</summary>
public sealed record PriceTopicReport(PriceReport Report, IReadOnlyList<PartitionRange> Partitions);

/// <summary>The topic could not be read: it does not exist, or the broker did not answer. The message says which.</summary>
public sealed class PriceTopicException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The batch report over a Kafka topic: every partition from its earliest offset up to its high-water mark taken at
/// start, then stop. Ticks produced while the report runs are left for the next one, so a report covers a fixed set.
/// Commits nothing: a report is a read, and running it again reads the same messages.
/// </summary>
public static class PriceTopic
{
    /// <summary>How long the broker may stay silent before the report gives up (metadata, offsets, fetches).</summary>
    public static readonly TimeSpan DefaultStallTimeout = TimeSpan.FromSeconds(30);

    /// <summary>What the report's consumer needs (partition EOF events, no commits); other settings are the caller's.</summary>
    public static void Configure(ConsumerConfig config)
    {
        config.GroupId ??= "prices-report";
        config.EnableAutoCommit = false;
        config.EnableAutoOffsetStore = false;
        config.EnablePartitionEof = true;
        config.AutoOffsetReset = AutoOffsetReset.Earliest;
        // Only partition, offset and value are read: not marshalling each message's topic name, timestamp and headers
        // is throughput Confluent.Kafka documents for this setting
        config.ConsumeResultFields = "none";
    }

    /// <summary>
    /// How many consumers read a report's topic at most, each on its own thread over its share of the offsets: the work
    /// per message (librdkafka's fetch and decompression, the client's hand-over, parsing) is mostly CPU, and a reader
    /// also waits on its fetches, so two per core keep the cores busy (measured on 2 cores: docs/benchmarks.md). At most
    /// eight: each reader is a client with its own threads and connections to the brokers.
    /// </summary>
    public static int DefaultReaders => Math.Clamp(2 * Environment.ProcessorCount, 2, 8);

    /// <summary>Below this many messages per reader another consumer (its connections, its start) costs more than it saves.</summary>
    public const long MinMessagesPerReader = 50_000;

    public static Task<PriceTopicReport> ReadAsync(Func<IConsumer<Ignore, byte[]>> createConsumer, string topic, double threshold, CancellationToken ct) =>
        ReadAsync(createConsumer, topic, threshold, DefaultStallTimeout, ct);

    public static Task<PriceTopicReport> ReadAsync(Func<IConsumer<Ignore, byte[]>> createConsumer, string topic, double threshold, TimeSpan stallTimeout, CancellationToken ct) =>
        ReadAsync(createConsumer, topic, threshold, stallTimeout, DefaultReaders, MinMessagesPerReader, ct);

    /// <summary>
    /// Takes the partitions' ranges, cuts them into shares (<see cref="Shares"/>) and reads each share with its own
    /// consumer (from <paramref name="createConsumer"/>) into its own builder on its own thread (Consume blocks one);
    /// the builders are merged in share order, so the result does not depend on which reader finished first.
    /// </summary>
    internal static async Task<PriceTopicReport> ReadAsync(Func<IConsumer<Ignore, byte[]>> createConsumer, string topic, double threshold, TimeSpan stallTimeout,
        int readers, long minMessagesPerReader, CancellationToken ct)
    {
        using var span = PriceTelemetry.Source.StartActivity("prices report", ActivityKind.Consumer);
        span?.SetTag("messaging.destination.name", topic);
        var started = Stopwatch.GetTimestamp();
        var first = createConsumer();
        List<PartitionRange> partitions;
        PriceReportBuilder[] builders;
        try
        {
            partitions = await Task.Run(() => Ranges(first, topic, stallTimeout), ct);
            var shares = Shares(partitions, readers, minMessagesPerReader);
            span?.SetTag("pipeline.prices.readers", shares.Count);
            // One reader failing (a stalled broker) stops the others rather than leaving them to their own timeouts.
            using var failed = CancellationTokenSource.CreateLinkedTokenSource(ct);
            builders = await Task.WhenAll(shares.Select((share, i) => Task.Factory.StartNew(() =>
            {
                try
                {
                    return ReadShare(i == 0 ? first : createConsumer(), i > 0, topic, share, threshold, stallTimeout, failed.Token);
                }
                catch
                {
                    failed.Cancel();
                    throw;
                }
            }, failed.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default)));
        }
        finally
        {
            first.Dispose();
        }
        var builder = new PriceReportBuilder(threshold);
        foreach (var part in builders) builder.Merge(part);
        var report = builder.Build($"topic {topic} ({partitions.Count} partition(s), offsets up to the high-water marks at start: {partitions.Sum(p => p.High - p.Low):N0} messages)");
        PriceTelemetry.Read.Add(report.Count, new("messaging.destination.name", topic), new("outcome", "tick"));
        PriceTelemetry.Read.Add(report.Invalid, new("messaging.destination.name", topic), new("outcome", "rejected"));
        PriceTelemetry.ReportDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("messaging.destination.name", topic));
        span?.SetTag("pipeline.prices.ticks", report.Count);
        span?.SetTag("pipeline.prices.rejected", report.Invalid);
        span?.SetTag("pipeline.prices.outliers", report.Outliers.Count);
        return new PriceTopicReport(report, partitions);
    }

    static PriceReportBuilder ReadShare(IConsumer<Ignore, byte[]> consumer, bool owned, string topic, IReadOnlyList<PartitionRange> share, double threshold,
        TimeSpan stallTimeout, CancellationToken ct)
    {
        try
        {
            var builder = new PriceReportBuilder(threshold);
            Consume(consumer, topic, share, stallTimeout, (partition, offset, value) =>
            {
                if (value is null) builder.AddInvalid(Location(partition, offset), "empty message (no value)", []);
                else if (!builder.TryAdd(value, out var reason)) builder.AddInvalid(Location(partition, offset), reason, value);
            }, ct);
            return builder;
        }
        finally
        {
            if (owned) consumer.Dispose();
        }
    }

    /// <summary>
    /// At most <paramref name="readers"/> shares of about equal message counts, each of at least
    /// <paramref name="minMessagesPerReader"/> (but the last): the partitions' messages laid end to end and cut into equal
    /// runs. A topic keyed onto few partitions (five symbols) is so shared out as evenly as one spread over many, and a
    /// share holds at most one piece of a partition (a consumer assigns a partition once).
    /// </summary>
    internal static List<List<PartitionRange>> Shares(IReadOnlyList<PartitionRange> partitions, int readers, long minMessagesPerReader)
    {
        var total = partitions.Sum(p => Math.Max(0, p.High - p.Low));
        var size = Math.Max(Math.Max(1, minMessagesPerReader), (total + readers - 1) / readers);
        var shares = new List<List<PartitionRange>>();
        var share = new List<PartitionRange>();
        var room = size;
        foreach (var partition in partitions.Where(p => p.High > p.Low))
            for (var low = partition.Low; low < partition.High;)
            {
                var high = Math.Min(partition.High, low + room);
                share.Add(partition with { Low = low, High = high });
                room -= high - low;
                low = high;
                if (room > 0) continue;
                shares.Add(share);
                (share, room) = ([], size);
            }
        if (share.Count > 0) shares.Add(share);
        return shares;
    }

    /// <summary>
    /// The ticks at exactly the offsets a report read (<paramref name="ranges"/>, as it stored them) with their
    /// positions, in each partition's order; messages that are not ticks are counted. For the report's lake export.
    /// </summary>
    public static Task<PositionedTicks> ReadTicksAsync(IConsumer<Ignore, byte[]> consumer, string topic, IReadOnlyList<PartitionRange> ranges, CancellationToken ct) =>
        Task.Run(() =>
        {
            using var span = PriceTelemetry.Source.StartActivity("prices read ticks", ActivityKind.Consumer);
            span?.SetTag("messaging.destination.name", topic);
            var ticks = new List<PositionedTick>();
            long invalid = 0;
            Consume(consumer, topic, ranges, DefaultStallTimeout, (partition, offset, value) =>
            {
                if (value is not null && PriceTickParser.TryParse(value, out var tick, out _)) ticks.Add(new PositionedTick(tick, partition, offset));
                else invalid++;
            }, ct);
            return new PositionedTicks(ticks, invalid);
        }, ct);

    /// <summary>
    /// Assigns the ranges' partitions at their low offsets and hands every message below each high offset to
    /// <paramref name="message"/> (partition, offset, value), then stops. Messages already deleted by retention are
    /// not there to hand over: a caller that must have every one counts them.
    /// </summary>
    static void Consume(IConsumer<Ignore, byte[]> consumer, string topic, IReadOnlyList<PartitionRange> ranges, TimeSpan stallTimeout,
        Action<int, long, byte[]?> message, CancellationToken ct)
    {
        var remaining = ranges.Where(p => p.High > p.Low).ToDictionary(p => p.Partition, p => p.High);
        consumer.Assign(ranges.Where(p => p.High > p.Low).Select(p => new TopicPartitionOffset(topic, p.Partition, p.Low)));
        try
        {
            var lastProgress = Stopwatch.GetTimestamp();
            while (remaining.Count > 0)
            {
                ct.ThrowIfCancellationRequested();
                var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
                if (result is null)
                {
                    if (Stopwatch.GetElapsedTime(lastProgress) > stallTimeout)
                        throw new PriceTopicException($"reading topic {topic} stalled: nothing from the broker for {stallTimeout.TotalSeconds:0} s with {remaining.Count} partition(s) not yet read to their end");
                    continue;
                }
                lastProgress = Stopwatch.GetTimestamp();
                var partition = result.Partition.Value;
                if (!remaining.TryGetValue(partition, out var high)) continue;
                var offset = result.Offset.Value;
                // Past the high-water mark taken at start (or its end reached, e.g. after transaction markers): done.
                if (result.IsPartitionEOF || offset >= high)
                {
                    if (offset >= high) Done(consumer, topic, remaining, partition);
                    continue;
                }
                message(partition, offset, result.Message.Value);
                if (offset >= high - 1) Done(consumer, topic, remaining, partition);
            }
        }
        finally
        {
            consumer.Unassign();
        }
    }

    public static string Location(int partition, long offset) => $"partition {partition} offset {offset}";

    static void Done(IConsumer<Ignore, byte[]> consumer, string topic, Dictionary<int, long> remaining, int partition)
    {
        remaining.Remove(partition);
        consumer.Pause([new TopicPartition(topic, partition)]);
    }

    /// <summary>Every partition of the topic with its earliest offset and its high-water mark, now.</summary>
    public static List<PartitionRange> Ranges(IConsumer<Ignore, byte[]> consumer, string topic, TimeSpan timeout)
    {
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        Metadata metadata;
        try
        {
            metadata = admin.GetMetadata(topic, timeout);
        }
        catch (KafkaException e)
        {
            throw new PriceTopicException($"the Kafka broker did not answer for topic {topic}: {e.Error.Reason}", e);
        }
        var described = metadata.Topics.SingleOrDefault(t => t.Topic == topic);
        if (described is null || described.Error.Code == ErrorCode.UnknownTopicOrPart || described.Partitions.Count == 0)
            throw new PriceTopicException($"topic {topic} does not exist");
        if (described.Error.IsError) throw new PriceTopicException($"topic {topic} cannot be read: {described.Error.Reason}");
        try
        {
            return described.Partitions.OrderBy(p => p.PartitionId).Select(p =>
            {
                var marks = consumer.QueryWatermarkOffsets(new TopicPartition(topic, p.PartitionId), timeout);
                return new PartitionRange(p.PartitionId, marks.Low.Value, marks.High.Value);
            }).ToList();
        }
        catch (KafkaException e)
        {
            throw new PriceTopicException($"the offsets of topic {topic} could not be read: {e.Error.Reason}", e);
        }
    }
}
