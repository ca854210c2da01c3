using Confluent.Kafka;
using Npgsql;

namespace Workers.Ingestion;

/// <summary>A batch of raw Kafka records handed to a handler inside the transaction that will store its offsets.</summary>
public sealed record KafkaBatch(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> Records, NpgsqlConnection Connection, NpgsqlTransaction Transaction);

/// <summary>Turns a batch of records into rows; everything it writes commits atomically with the batch's offsets.</summary>
public interface IKafkaBatchHandler
{
    Task HandleAsync(KafkaBatch batch, CancellationToken ct);
}

/// <summary>An offset range that was never delivered to this consumer group.</summary>
public sealed record OffsetGap(string Topic, int Partition, long FirstMissing, long LastMissing);
