using Confluent.Kafka;

namespace TestSupport;

/// <summary>Plain Kafka clients for tests, configured as the services configure theirs.</summary>
public static class KafkaTestClients
{
    public static IProducer<string, string> Producer(string bootstrapServers) =>
        new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = bootstrapServers, EnableIdempotence = true, LingerMs = 1 }).Build();

    /// <summary>Reads a topic from the beginning until at least <paramref name="expectedAtLeast"/> messages or the timeout.</summary>
    public static List<Message<string, string>> ReadAll(string bootstrapServers, string topic, int expectedAtLeast, TimeSpan timeout)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "test-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            SessionTimeoutMs = 6000,
            FetchWaitMaxMs = 20,
        }).Build();
        consumer.Subscribe(topic);
        var messages = new List<Message<string, string>>();
        var deadline = DateTime.UtcNow + timeout;
        while (messages.Count < expectedAtLeast && DateTime.UtcNow < deadline)
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } record) messages.Add(record.Message);
        consumer.Close();
        return messages;
    }
}
