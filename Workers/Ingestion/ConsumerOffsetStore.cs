using Confluent.Kafka;
using Npgsql;
using NpgsqlTypes;

namespace Workers.Ingestion;

/// <summary>Consumer positions and detected gaps, kept in PostgreSQL next to the data.</summary>
public sealed class ConsumerOffsetStore(NpgsqlDataSource dataSource)
{
    const string ReadOffsets = """
        SELECT partition, next_offset FROM pipeline.consumer_offsets WHERE consumer_group = $1 AND topic = $2
        """;

    const string SaveOffsets = """
        INSERT INTO pipeline.consumer_offsets (consumer_group, topic, partition, next_offset)
        SELECT $1, $2, p, o FROM unnest($3::int[], $4::bigint[]) AS t(p, o)
        ON CONFLICT (consumer_group, topic, partition)
        DO UPDATE SET next_offset = excluded.next_offset, updated_at = now()
        WHERE pipeline.consumer_offsets.next_offset < excluded.next_offset
        """;

    const string RecordGap = """
        INSERT INTO pipeline.data_loss (consumer_group, topic, partition, first_missing, last_missing)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (consumer_group, topic, partition, first_missing) DO NOTHING
        """;

    const string CountOpenGaps = "SELECT count(*) FROM pipeline.data_loss WHERE resolved_at IS NULL";

    public async Task<Dictionary<int, long>> ReadAsync(string group, string topic, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(ReadOffsets);
        command.Parameters.Add(new() { Value = group });
        command.Parameters.Add(new() { Value = topic });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var offsets = new Dictionary<int, long>();
        while (await reader.ReadAsync(ct)) offsets[reader.GetInt32(0)] = reader.GetInt64(1);
        return offsets;
    }

    public static async Task SaveAsync(KafkaBatch batch, string group, CancellationToken ct)
    {
        foreach (var topic in batch.Records.GroupBy(r => r.Topic))
        {
            var next = topic.GroupBy(r => r.Partition.Value).Select(p => (Partition: p.Key, Next: p.Max(r => r.Offset.Value) + 1)).ToArray();
            await using var command = new NpgsqlCommand(SaveOffsets, batch.Connection, batch.Transaction);
            command.Parameters.Add(new() { Value = group });
            command.Parameters.Add(new() { Value = topic.Key });
            command.Parameters.Add(new() { Value = next.Select(n => n.Partition).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
            command.Parameters.Add(new() { Value = next.Select(n => n.Next).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    public static async Task RecordGapAsync(KafkaBatch batch, string group, OffsetGap gap, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(RecordGap, batch.Connection, batch.Transaction);
        command.Parameters.Add(new() { Value = group });
        command.Parameters.Add(new() { Value = gap.Topic });
        command.Parameters.Add(new() { Value = gap.Partition });
        command.Parameters.Add(new() { Value = gap.FirstMissing });
        command.Parameters.Add(new() { Value = gap.LastMissing });
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task<long> CountOpenGapsAsync(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(CountOpenGaps);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Positions to resume from: the stored next offset, or the beginning for a partition never consumed.</summary>
    public static IEnumerable<TopicPartitionOffset> ResumePositions(IEnumerable<TopicPartition> assigned, IReadOnlyDictionary<int, long> stored) =>
        assigned.Select(tp => new TopicPartitionOffset(tp, stored.TryGetValue(tp.Partition.Value, out var next) ? new Offset(next) : Offset.Beginning));
}
