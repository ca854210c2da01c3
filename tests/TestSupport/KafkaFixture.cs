using LocalServers;

namespace TestSupport;

/// <summary>A real Kafka-protocol broker (librdkafka's mock cluster) hosted in the test process.</summary>
public sealed class KafkaFixture : IDisposable
{
    readonly MockKafkaCluster _cluster = new(brokers: 1);

    public string BootstrapServers => _cluster.BootstrapServers;

    public void CreateTopic(string name, int partitions) => _cluster.CreateTopic(name, partitions);

    public void Dispose() => _cluster.Dispose();
}
