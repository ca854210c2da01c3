using Meters.Capture;
using Meters.Generation;
using Meters.Storage;
using Workers.Ingestion;

namespace Workers.Meters;

/// <summary>
/// Kafka <c>energy.meters.v1</c> → <c>meters.raw_records</c>: every record exactly as received (key and value bytes,
/// position, broker timestamp and its type), once per (topic, partition, offset). Nothing is parsed here (the meter
/// workflow does that), so no record can be lost to a parsing bug. The batch's offsets commit in the same
/// transaction as its rows (<see cref="TransactionalKafkaConsumer"/>).
/// </summary>
sealed class MeterCapture([FromKeyedServices(MeterCapture.Group)] TransactionalKafkaConsumer consumer, IConfiguration configuration)
    : KafkaIngestionService<List<RawRecord>>(consumer)
{
    public const string Group = "workers-meters";

    // Large batches: each batch pays a transaction, an offsets upsert and a synchronous Kafka commit, 10–25% of a
    // 20,000-record batch's time when measured under load (docs/benchmarks.md). The wait bounds a live record's delay,
    // and every batch that drains the topic waits it out, so it stays short.
    protected override TransactionalKafkaConsumer.Options Options { get; } =
        new(configuration.GetValue("Meters:Topic", MeterFeedOptions.DefaultTopic)!, MaxBatch: 50_000, MaxWaitMs: 250);

    public override List<RawRecord> Prepare(IReadOnlyList<Confluent.Kafka.ConsumeResult<byte[]?, byte[]?>> records, CancellationToken ct) =>
        records.Select(ToRawRecord).ToList();

    public override Task StoreAsync(KafkaBatch batch, List<RawRecord> rows, CancellationToken ct) =>
        RawRecordStore.StoreAsync(batch.Connection, batch.Transaction, "kafka", rows, ct);

    static RawRecord ToRawRecord(Confluent.Kafka.ConsumeResult<byte[]?, byte[]?> record) => new(
        record.Topic, record.Partition.Value, record.Offset.Value, record.Message.Key, record.Message.Value,
        record.Message.Timestamp.Type == Confluent.Kafka.TimestampType.NotAvailable ? null : record.Message.Timestamp.UtcDateTime,
        record.Message.Timestamp.Type switch
        {
            Confluent.Kafka.TimestampType.CreateTime => KafkaTimestampType.CreateTime,
            Confluent.Kafka.TimestampType.LogAppendTime => KafkaTimestampType.LogAppendTime,
            _ => KafkaTimestampType.NotAvailable,
        });
}
