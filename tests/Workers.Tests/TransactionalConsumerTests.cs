using System.Collections.Concurrent;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ServiceDefaults.Kafka;
using TestSupport;
using Workers.Ingestion;
using Workers.Storage;

namespace Workers.Tests;

/// <summary>
/// The consumer's contract with its handler: batches are handled one at a time and in order, each offset once, the
/// stored offsets follow the handled batches, and a handler that fails stops consumption with its error.
/// </summary>
[Collection("workers")]
public sealed class TransactionalConsumerTests(WorkersInfrastructure infrastructure)
{
    const int Partitions = 4, PerPartition = 500;

    [Fact]
    public async Task Every_offset_is_handled_once_in_order_and_stored_with_its_batch()
    {
        var (consumer, dataSource, topic) = await PrepareAsync("consumer-order", "order-group");
        await using var _ = dataSource;
        var handler = new RecordingHandler(failOnCall: null);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var running = consumer.RunAsync(new(topic, MaxBatch: 150, MaxWaitMs: 50), handler, null, stop.Token);

        var stored = new ConsumerOffsetStore(dataSource);
        while ((await stored.ReadAsync("order-group", topic, stop.Token)).Values.Sum() < Partitions * PerPartition) await Task.Delay(100, stop.Token);
        await stop.CancelAsync();
        await running;

        Assert.False(handler.Overlapped, "two batches were handled at the same time");
        Assert.True(handler.Calls > 1, $"one batch only ({handler.Calls}): batching was not exercised");
        foreach (var partition in Enumerable.Range(0, Partitions))
            Assert.Equal(Enumerable.Range(0, PerPartition).Select(o => (long)o), handler.Offsets(partition));
        Assert.All((await stored.ReadAsync("order-group", topic, CancellationToken.None)).Values, next => Assert.Equal(PerPartition, next));
    }

    [Fact]
    public async Task A_failing_handler_stops_the_consumer_with_its_error_and_nothing_after_the_last_good_batch_is_stored()
    {
        var (consumer, dataSource, topic) = await PrepareAsync("consumer-failure", "failure-group");
        await using var _ = dataSource;
        var handler = new RecordingHandler(failOnCall: 3);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            consumer.RunAsync(new(topic, MaxBatch: 150, MaxWaitMs: 50), handler, null, timeout.Token));
        Assert.Equal("handler failed on call 3", error.Message);
        Assert.False(timeout.IsCancellationRequested, "the consumer did not stop by itself");

        var stored = await new ConsumerOffsetStore(dataSource).ReadAsync("failure-group", topic, CancellationToken.None);
        Assert.Equal(handler.HandledBeforeFailure, stored.Values.Sum());
    }

    [Fact]
    public async Task A_consumer_joining_the_group_mid_run_takes_over_partitions_without_an_offset_handled_twice()
    {
        var (first, dataSource, topic) = await PrepareAsync("consumer-rebalance", "rebalance-group");
        await using var _ = dataSource;
        var second = Consumer(dataSource, "rebalance-group");
        var seen = new ConcurrentQueue<(int Partition, long Offset)>();
        // The first consumer alone would need about 10 s: long enough for the second to join the group.
        var (handlerA, handlerB) = (new RecordingHandler(null, seen, perBatch: 100), new RecordingHandler(null, seen, perBatch: 100));
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var runningA = first.RunAsync(new(topic, MaxBatch: 20, MaxWaitMs: 20), handlerA, null, stop.Token);
        while (handlerA.Calls < 3) await Task.Delay(20, stop.Token);
        var runningB = second.RunAsync(new(topic, MaxBatch: 20, MaxWaitMs: 20), handlerB, null, stop.Token);

        var stored = new ConsumerOffsetStore(dataSource);
        while ((await stored.ReadAsync("rebalance-group", topic, stop.Token)).Values.Sum() < Partitions * PerPartition) await Task.Delay(100, stop.Token);
        await stop.CancelAsync();
        await Task.WhenAll(runningA, runningB);

        Assert.True(handlerB.Calls > 0, "the second consumer never received a partition: no rebalance was exercised");
        var repeated = seen.GroupBy(s => s).Where(g => g.Count() > 1).Select(g => $"{g.Key.Partition}@{g.Key.Offset}").ToList();
        Assert.True(repeated.Count == 0, $"handled twice: {string.Join(", ", repeated.Take(10))}");
        Assert.Equal(Partitions * PerPartition, seen.Count);
    }

    async Task<(TransactionalKafkaConsumer Consumer, NpgsqlDataSource DataSource, string Topic)> PrepareAsync(string name, string group)
    {
        var dataSource = NpgsqlDataSource.Create(await infrastructure.Postgres.CreateDatabaseAsync(name));
        await PipelineSchema.ApplyAsync(dataSource, CancellationToken.None);
        var topic = name + "." + Guid.NewGuid().ToString("N")[..8];
        infrastructure.Kafka.CreateTopic(topic, Partitions);
        using (var producer = KafkaTestClients.Producer(infrastructure.Kafka.BootstrapServers))
        {
            for (var p = 0; p < Partitions; p++)
                for (var i = 0; i < PerPartition; i++)
                    producer.Produce(new TopicPartition(topic, p), new Message<string, string> { Key = $"{p}", Value = $"{p}:{i}" });
            producer.Flush(TimeSpan.FromSeconds(30));
        }
        return (Consumer(dataSource, group), dataSource, topic);
    }

    /// <summary>A consumer of the group as Workers registers it.</summary>
    TransactionalKafkaConsumer Consumer(NpgsqlDataSource dataSource, string group)
    {
        var host = Host.CreateApplicationBuilder();
        host.Configuration["ConnectionStrings:kafka"] = infrastructure.Kafka.BootstrapServers;
        host.AddKafkaConsumer<byte[]?, byte[]?>("kafka", settings => settings.Config.GroupId = group);
        var consumers = host.Build().Services.GetRequiredService<KafkaConsumerFactory<byte[]?, byte[]?>>();
        return new TransactionalKafkaConsumer(consumers, dataSource, new ConsumerOffsetStore(dataSource), NullLogger<TransactionalKafkaConsumer>.Instance);
    }

    /// <summary>Notes every offset it is given, and whether two batches were ever handled at once.</summary>
    sealed class RecordingHandler(int? failOnCall, ConcurrentQueue<(int Partition, long Offset)>? seen = null, int perBatch = 20)
        : IKafkaBatchHandler<IReadOnlyList<ConsumeResult<byte[]?, byte[]?>>>
    {
        readonly ConcurrentQueue<(int Partition, long Offset)> _seen = seen ?? new();
        int _active;
        public int Calls;
        public bool Overlapped;
        public long HandledBeforeFailure;

        public IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> Prepare(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> records, CancellationToken ct) => records;

        public async Task StoreAsync(KafkaBatch batch, IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> rows, CancellationToken ct)
        {
            if (Interlocked.Increment(ref _active) > 1) Overlapped = true;
            try
            {
                var call = Interlocked.Increment(ref Calls);
                if (call == failOnCall) throw new InvalidOperationException($"handler failed on call {call}");
                await Task.Delay(perBatch, ct);
                foreach (var r in rows) _seen.Enqueue((r.Partition.Value, r.Offset.Value));
                HandledBeforeFailure += batch.Records.Count;
            }
            finally { Interlocked.Decrement(ref _active); }
        }

        public IEnumerable<long> Offsets(int partition) => _seen.Where(s => s.Partition == partition).Select(s => s.Offset);
    }
}
