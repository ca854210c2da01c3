using Confluent.Kafka;

namespace ServiceDefaults.Kafka;

/// <summary>A Kafka producer's settings, as Aspire.Confluent.Kafka's KafkaProducerSettings.</summary>
public sealed class KafkaProducerSettings
{
    /// <summary>The bootstrap servers, from <c>ConnectionStrings:&lt;name&gt;</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Idempotent and acknowledged by all replicas: a produced message is written exactly once or reported failed.</summary>
    public ProducerConfig Config { get; } = new() { EnableIdempotence = true, Acks = Acks.All, LingerMs = 5 };

    public bool DisableMetrics { get; set; }
    public bool DisableHealthChecks { get; set; }
}

/// <summary>A Kafka consumer's settings, as Aspire.Confluent.Kafka's KafkaConsumerSettings.</summary>
public sealed class KafkaConsumerSettings
{
    /// <summary>The bootstrap servers, from <c>ConnectionStrings:&lt;name&gt;</c>.</summary>
    public string? ConnectionString { get; set; }

    public ConsumerConfig Config { get; } = new()
    {
        // Offsets are committed by the application after its own database commit, never automatically.
        EnableAutoCommit = false,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        // Faster group joins and fetches; librdkafka's mock broker waits session timeout - 1 s on a rejoin.
        SessionTimeoutMs = 6000,
        HeartbeatIntervalMs = 1000,
        FetchWaitMaxMs = 20,
    };

    public bool DisableMetrics { get; set; }
    public bool DisableHealthChecks { get; set; }
}
