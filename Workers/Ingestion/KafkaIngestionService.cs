using Confluent.Kafka;

namespace Workers.Ingestion;

/// <summary>A hosted ingestion: one topic, one consumer group, one batch handler with exactly-once effects in PostgreSQL.</summary>
public abstract class KafkaIngestionService<TRows>(TransactionalKafkaConsumer consumer) : BackgroundService, IKafkaBatchHandler<TRows>
{
    protected abstract TransactionalKafkaConsumer.Options Options { get; }

    public abstract TRows Prepare(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> records, CancellationToken ct);

    public abstract Task StoreAsync(KafkaBatch batch, TRows rows, CancellationToken ct);

    /// <summary>Called after a gap was recorded; sources that can be replayed re-request the missing data here.</summary>
    protected virtual Task OnGapAsync(OffsetGap gap, CancellationToken ct) => Task.CompletedTask;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Run(() => consumer.RunAsync(Options, this, OnGapAsync, stoppingToken), stoppingToken);
}
