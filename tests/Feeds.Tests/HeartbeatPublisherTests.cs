using System.Text.Json;
using TestSupport;

namespace Feeds.Tests;

public sealed class HeartbeatPublisherTests : IDisposable
{
    readonly KafkaFixture _kafka = new();

    [Fact]
    public async Task Feeds_publishes_numbered_heartbeats_to_kafka()
    {
        _kafka.CreateTopic("pipeline.heartbeat", 1);
        await using var feeds = await ServiceProcess.StartAsync("Feeds", new Dictionary<string, string>
        {
            ["ConnectionStrings__kafka"] = _kafka.BootstrapServers,
            ["Heartbeat__IntervalSeconds"] = "0.2",
            ["TradeFeed__Port"] = "0",
            ["TradeFeed__Intensity"] = "0.05",
        });

        var messages = KafkaTestClients.ReadAll(_kafka.BootstrapServers, "pipeline.heartbeat", expectedAtLeast: 3, TimeSpan.FromSeconds(30));

        Assert.True(messages.Count >= 3, $"only {messages.Count} heartbeats\n{feeds.Output}");
        var bodies = messages.Select(m => JsonDocument.Parse(m.Value).RootElement).ToList();
        Assert.Equal([1L, 2L, 3L], bodies.Take(3).Select(b => b.GetProperty("sequence").GetInt64()));
        Assert.All(messages, m => Assert.Equal(bodies[0].GetProperty("source").GetString(), m.Key));
    }

    public void Dispose() => _kafka.Dispose();
}
