using Confluent.Kafka;
using Npgsql;

namespace Workers.Ingestion;

/// <summary>A batch of raw Kafka records handed to a handler inside the transaction that will store its offsets.</summary>
public sealed record KafkaBatch(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> Records, NpgsqlConnection Connection, NpgsqlTransaction Transaction);

/// <summary>
/// Turns a batch of records into rows in two steps: <see cref="Prepare"/> needs no database (parsing, validation) and
/// runs while the batch before is being stored; <see cref="StoreAsync"/> writes the rows, and everything it writes
/// commits atomically with the batch's offsets.
/// </summary>
public interface IKafkaBatchHandler<TRows>
{
    TRows Prepare(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> records, CancellationToken ct);

    Task StoreAsync(KafkaBatch batch, TRows rows, CancellationToken ct);
}

/// <summary>An offset range that was never delivered to this consumer group.</summary>
public sealed record OffsetGap(string Topic, int Partition, long FirstMissing, long LastMissing);
