using System.Text.Json;
using Confluent.Kafka;
using Npgsql;
using Workers.Ingestion;

namespace Workers.Heartbeat;

/// <summary>Records every heartbeat from Feeds in PostgreSQL, once, whatever Kafka redelivers.</summary>
sealed class HeartbeatIngestion([FromKeyedServices(HeartbeatIngestion.Group)] TransactionalKafkaConsumer consumer, ILogger<HeartbeatIngestion> logger)
    : KafkaIngestionService<List<HeartbeatIngestion.HeartbeatMessage>>(consumer)
{
    public const string Group = "workers-heartbeat";

    const string Insert = """
        INSERT INTO pipeline.heartbeats (source, sequence, sent_at)
        SELECT * FROM unnest($1::text[], $2::bigint[], $3::timestamptz[])
        ON CONFLICT (source, sequence) DO NOTHING
        """;

    public sealed record HeartbeatMessage(string Source, long Sequence, DateTime SentAt);

    protected override TransactionalKafkaConsumer.Options Options { get; } = new("pipeline.heartbeat", MaxBatch: 500);

    public override List<HeartbeatMessage> Prepare(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> records, CancellationToken ct)
    {
        var heartbeats = new List<HeartbeatMessage>(records.Count);
        foreach (var record in records)
        {
            try
            {
                if (JsonSerializer.Deserialize<HeartbeatMessage>(record.Message.Value, JsonSerializerOptions.Web) is { } heartbeat) heartbeats.Add(heartbeat);
            }
            catch (JsonException e)
            {
                // A heartbeat carries no data worth quarantining; say so and move on.
                logger.LogWarning("unreadable heartbeat at {Partition}:{Offset}: {Error}", record.Partition.Value, record.Offset.Value, e.Message);
            }
        }
        return heartbeats;
    }

    public override async Task StoreAsync(KafkaBatch batch, List<HeartbeatMessage> rows, CancellationToken ct)
    {
        await using var insert = new NpgsqlCommand(Insert, batch.Connection, batch.Transaction);
        insert.Parameters.Add(new() { Value = rows.Select(h => h.Source).ToArray() });
        insert.Parameters.Add(new() { Value = rows.Select(h => h.Sequence).ToArray() });
        insert.Parameters.Add(new() { Value = rows.Select(h => DateTime.SpecifyKind(h.SentAt, DateTimeKind.Utc)).ToArray() });
        await insert.ExecuteNonQueryAsync(ct);
    }
}
