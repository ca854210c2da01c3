using LocalServers;

namespace AppHost.Hosting;

/// <summary>
/// A Kafka-protocol broker. Locally it is librdkafka's mock cluster hosted inside the AppHost process, with a fixed
/// bootstrap port and the declared topics created up front (the mock broker cannot create topics on request with
/// chosen partition counts). It keeps messages in memory only: PostgreSQL is the system of record.
/// </summary>
public sealed class KafkaResource(string name) : InfrastructureResource(name)
{
    MockKafkaCluster? _cluster;
    int _port;

    public override string Kind => "kafka";
    public Dictionary<string, int> Topics { get; } = [];
    protected override string? LocalConnectionString => _cluster?.BootstrapServers;
    public override IReadOnlyList<int> Ports => _cluster is null ? [] : [_port];

    protected override Task StartLocalAsync(LaunchContext context, CancellationToken ct)
    {
        _port = context.Port(Name, 9092);
        _cluster = new MockKafkaCluster(brokers: 1, bootstrapPort: _port);
        foreach (var (topic, partitions) in Topics) _cluster.CreateTopic(topic, partitions);
        context.Output.Write(Name, $"Kafka-protocol broker (librdkafka mock cluster) at {_cluster.BootstrapServers}; topics: {string.Join(", ", Topics.Select(t => $"{t.Key}[{t.Value}]"))}");
        return Task.CompletedTask;
    }

    protected override Task StopLocalAsync(CancellationToken ct)
    {
        _cluster?.Dispose();
        _cluster = null;
        return Task.CompletedTask;
    }

    /// <summary>Healthy when the first bootstrap server accepts connections (the services check metadata themselves).</summary>
    public override Task<bool> IsHealthyAsync(CancellationToken ct)
    {
        var first = ConnectionString.Split(',')[0];
        var port = int.Parse(first[(first.LastIndexOf(':') + 1)..]);
        var host = first[..first.LastIndexOf(':')];
        return Task.FromResult(host is "127.0.0.1" or "localhost" ? FreePort.IsListening(port) : CanConnect(host, port));
    }

    static bool CanConnect(string host, int port)
    {
        try
        {
            using var client = new System.Net.Sockets.TcpClient();
            return client.ConnectAsync(host, port).Wait(TimeSpan.FromSeconds(3));
        }
        catch (AggregateException)
        {
            return false;
        }
    }
}
