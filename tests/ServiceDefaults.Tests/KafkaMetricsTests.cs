using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Confluent.Kafka;
using LocalServers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ServiceDefaults.Kafka;
using TestSupport;

namespace ServiceDefaults.Tests;

/// <summary>librdkafka's statistics from clients registered by ServiceDefaults, read back as the metrics an exporter sees.</summary>
public sealed class KafkaMetricsTests : IDisposable
{
    readonly KafkaFixture _kafka = new();
    readonly MeterListener _listener = new();
    readonly ConcurrentQueue<(string Name, long Value, Dictionary<string, object?> Tags)> _measurements = new();

    public KafkaMetricsTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == KafkaMetrics.MeterName) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            _measurements.Enqueue((instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value))));
        _listener.Start();
    }

    [Fact]
    public async Task Consumer_lag_per_partition_and_produced_and_consumed_messages_are_reported()
    {
        var topic = "metrics-" + Guid.NewGuid().ToString("N")[..8];
        _kafka.CreateTopic(topic, 2);
        using var host = Host(_kafka.BootstrapServers, builder =>
        {
            builder.AddKafkaProducer<string, string>("kafka", settings => settings.Config.StatisticsIntervalMs = 100);
            builder.AddKafkaConsumer<string, string>("kafka", settings =>
            {
                settings.Config.GroupId = "metrics";
                settings.Config.StatisticsIntervalMs = 100;
            });
        });
        var producer = host.Services.GetRequiredService<IProducer<string, string>>();
        for (var i = 0; i < 10; i++) producer.Produce(new TopicPartition(topic, 0), new Message<string, string> { Key = "a", Value = $"{i}" });
        for (var i = 0; i < 5; i++) producer.Produce(new TopicPartition(topic, 1), new Message<string, string> { Key = "b", Value = $"{i}" });
        producer.Flush(TimeSpan.FromSeconds(10));

        var consumer = host.Services.GetRequiredService<IConsumer<string, string>>();
        consumer.Subscribe(topic);
        var consumed = 0;
        for (var deadline = DateTime.UtcNow.AddSeconds(30); consumed < 15 && DateTime.UtcNow < deadline;)
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is not null) consumed++;
        Assert.Equal(15, consumed);
        // Four of partition 0's ten messages and all five of partition 1's are committed: lag 6 and 0.
        consumer.Commit([new TopicPartitionOffset(topic, 0, 4), new TopicPartitionOffset(topic, 1, 5)]);

        var lag = new Dictionary<string, long>();
        for (var deadline = DateTime.UtcNow.AddSeconds(15); DateTime.UtcNow < deadline && !(lag.GetValueOrDefault("0", -1) == 6 && lag.GetValueOrDefault("1", -1) == 0);)
        {
            consumer.Consume(TimeSpan.FromMilliseconds(200));
            _listener.RecordObservableInstruments();
            foreach (var m in _measurements.Where(m => m.Name == KafkaMetrics.ConsumerLag && (string?)m.Tags["messaging.destination.name"] == topic))
                lag[(string)m.Tags["messaging.destination.partition.id"]!] = m.Value;
        }
        consumer.Close();

        Assert.Equal(new Dictionary<string, long> { ["0"] = 6, ["1"] = 0 }, lag);
        var lagTags = _measurements.Last(m => m.Name == KafkaMetrics.ConsumerLag).Tags;
        Assert.Equal("metrics", lagTags["messaging.consumer.group.name"]);
        Assert.Equal(15, Sum(KafkaMetrics.SentMessages));
        Assert.Equal(15, Sum(KafkaMetrics.ConsumedMessages));
        Assert.True(Sum(KafkaMetrics.SentBytes) >= 15 && Sum(KafkaMetrics.ConsumedBytes) >= 15, "message bytes were not counted");
    }

    [Fact]
    public async Task A_client_that_cannot_reach_its_broker_reports_errors()
    {
        using var host = Host($"127.0.0.1:{FreePort.Next()}", builder =>
            builder.AddKafkaProducer<string, string>("kafka", settings => settings.Config.StatisticsIntervalMs = 100));
        var producer = host.Services.GetRequiredService<IProducer<string, string>>();
        producer.Produce("nowhere", new Message<string, string> { Key = "k", Value = "v" });

        for (var deadline = DateTime.UtcNow.AddSeconds(15); DateTime.UtcNow < deadline && Sum(KafkaMetrics.Errors) == 0;) await Task.Delay(100);

        Assert.Contains(_measurements, m => m.Name == KafkaMetrics.Errors && m.Tags["error.type"] is "Local_Transport" or "Local_AllBrokersDown");
    }

    long Sum(string name) => _measurements.Where(m => m.Name == name).Sum(m => m.Value);

    static IHost Host(string bootstrapServers, Action<HostApplicationBuilder> register)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:kafka"] = bootstrapServers;
        register(builder);
        return builder.Build();
    }

    public void Dispose()
    {
        _listener.Dispose();
        _kafka.Dispose();
    }
}
