using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace ServiceDefaults.Kafka;

/// <summary>
/// librdkafka's statistics (emitted every <c>statistics.interval.ms</c>) as OpenTelemetry metrics: consumer lag per
/// partition, messages and bytes produced and consumed (counters: the backend shows them as rates), and errors.
/// </summary>
public sealed class KafkaMetrics
{
    public const string MeterName = "Pipeline.Kafka";

    public const string ConsumerLag = "messaging.kafka.consumer.lag";
    public const string SentMessages = "messaging.client.sent.messages";
    public const string SentBytes = "messaging.kafka.client.sent.bytes";
    public const string ConsumedMessages = "messaging.client.consumed.messages";
    public const string ConsumedBytes = "messaging.kafka.client.consumed.bytes";
    public const string Errors = "messaging.kafka.client.errors";

    internal readonly Counter<long> Sent, SentVolume, Consumed, ConsumedVolume, ErrorCount;
    readonly ConcurrentDictionary<string, (DateTime Until, Measurement<long>[] Partitions)> _lag = new();

    public KafkaMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        Sent = meter.CreateCounter<long>(SentMessages, "{message}", "Messages produced to Kafka brokers");
        SentVolume = meter.CreateCounter<long>(SentBytes, "By", "Message bytes produced to Kafka brokers");
        Consumed = meter.CreateCounter<long>(ConsumedMessages, "{message}", "Messages consumed from Kafka brokers");
        ConsumedVolume = meter.CreateCounter<long>(ConsumedBytes, "By", "Message bytes consumed from Kafka brokers");
        ErrorCount = meter.CreateCounter<long>(Errors, "{error}", "Client errors and failed or timed-out broker requests");
        meter.CreateObservableGauge(ConsumerLag, ObserveLag, "{message}", "Messages between a partition's end and the group's committed offset");
    }

    /// <summary>A client's latest per-partition lag; it stops being reported once the client stops reporting.</summary>
    internal void SetLag(string client, Measurement<long>[] partitions, TimeSpan validFor) => _lag[client] = (DateTime.UtcNow + validFor, partitions);

    IEnumerable<Measurement<long>> ObserveLag()
    {
        var now = DateTime.UtcNow;
        foreach (var (client, lag) in _lag)
        {
            if (lag.Until < now) _lag.TryRemove(client, out _);
            else foreach (var partition in lag.Partitions) yield return partition;
        }
    }
}

/// <summary>One client's log, error and statistics handlers; librdkafka calls each from one thread at a time.</summary>
sealed class KafkaClientTelemetry(KafkaMetrics metrics, ILogger logger, string? groupId, TimeSpan statisticsInterval)
{
    readonly record struct Totals(long SentMessages, long SentBytes, long ConsumedMessages, long ConsumedBytes, long TransmitErrors, long ReceiveErrors, long Timeouts);

    Totals _previous;
    bool _offsetResetExplained;

    public void Log(LogMessage message)
    {
        var level = (LogLevel)message.LevelAs(LogLevelType.MicrosoftExtensionsLogging);
        // A consumer resuming at offsets the broker no longer has gets one reset warning per partition (17 after every
        // restart of the in-memory local broker). What the reset means for the data is the consumer's to say (gap or
        // recreated topic); here one line explains them and the rest go to Debug.
        if (message.Facility == "OFFSET" && message.Message.Contains("Offset out of range", StringComparison.Ordinal))
        {
            if (_offsetResetExplained)
            {
                level = LogLevel.Debug;
            }
            else
            {
                _offsetResetExplained = true;
                logger.LogWarning("{Client}: stored offsets are beyond what the broker holds (the local broker keeps nothing across restarts; elsewhere, retention deleted them): "
                    + "such partitions restart from auto.offset.reset, further resets are logged at Debug. First: {Message}", message.Name, message.Message);
                return;
            }
        }
        logger.Log(level, "{Client} {Facility}: {Message}", message.Name, message.Facility, message.Message);
    }

    public void Error(Error error)
    {
        metrics.ErrorCount.Add(1, new("messaging.system", "kafka"), new("error.type", error.Code.ToString()));
        // Most errors are transient (a broker restarting) and librdkafka retries them itself; fatal ones end the client.
        logger.Log(error.IsFatal ? LogLevel.Error : LogLevel.Warning, "Kafka client error {Code}: {Reason}", error.Code, error.Reason);
    }

    /// <summary>Parsed on librdkafka's thread: one small document per interval costs less than handing it elsewhere.</summary>
    public void Statistics(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var client = root.GetProperty("name").GetString()!;
        var tags = new TagList { { "messaging.system", "kafka" }, { "messaging.client.id", client } };

        long Total(string name) => root.TryGetProperty(name, out var value) ? value.GetInt64() : 0;
        long BrokerTotal(string name) => root.TryGetProperty("brokers", out var brokers)
            ? brokers.EnumerateObject().Sum(b => b.Value.TryGetProperty(name, out var value) ? value.GetInt64() : 0)
            : 0;
        // librdkafka reports totals since the client started; the counters take what was added since the last report.
        var current = new Totals(Total("txmsgs"), Total("txmsg_bytes"), Total("rxmsgs"), Total("rxmsg_bytes"), BrokerTotal("txerrs"), BrokerTotal("rxerrs"), BrokerTotal("req_timeouts"));
        Add(metrics.Sent, current.SentMessages - _previous.SentMessages, tags);
        Add(metrics.SentVolume, current.SentBytes - _previous.SentBytes, tags);
        Add(metrics.Consumed, current.ConsumedMessages - _previous.ConsumedMessages, tags);
        Add(metrics.ConsumedVolume, current.ConsumedBytes - _previous.ConsumedBytes, tags);
        Add(metrics.ErrorCount, current.TransmitErrors - _previous.TransmitErrors, With(tags, "error.type", "transmit"));
        Add(metrics.ErrorCount, current.ReceiveErrors - _previous.ReceiveErrors, With(tags, "error.type", "receive"));
        Add(metrics.ErrorCount, current.Timeouts - _previous.Timeouts, With(tags, "error.type", "timeout"));
        _previous = current;

        if (groupId is not null) metrics.SetLag(client, Lag(root, client), statisticsInterval * 3);
    }

    /// <summary>Each assigned partition's lag; librdkafka reports -1 until the group has committed an offset there.</summary>
    Measurement<long>[] Lag(JsonElement root, string client)
    {
        if (!root.TryGetProperty("topics", out var topics)) return [];
        var lag = new List<Measurement<long>>();
        foreach (var topic in topics.EnumerateObject())
            foreach (var partition in topic.Value.GetProperty("partitions").EnumerateObject())
            {
                var id = partition.Value.GetProperty("partition").GetInt32();
                var value = partition.Value.GetProperty("consumer_lag").GetInt64();
                // Partition -1 is librdkafka's internal "unassigned" queue.
                if (id < 0 || value < 0) continue;
                lag.Add(new Measurement<long>(value, new TagList
                {
                    { "messaging.system", "kafka" },
                    { "messaging.client.id", client },
                    { "messaging.consumer.group.name", groupId },
                    { "messaging.destination.name", topic.Name },
                    { "messaging.destination.partition.id", id.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                }));
            }
        return [.. lag];
    }

    static void Add(Counter<long> counter, long delta, in TagList tags)
    {
        if (delta > 0) counter.Add(delta, tags);
    }

    static TagList With(TagList tags, string key, string value)
    {
        tags.Add(key, value);
        return tags;
    }
}
