using System.Text.Json;
using Npgsql;
using Workers.Ingestion;

namespace Workers.Heartbeat;

/// <summary>Records every heartbeat from Feeds in PostgreSQL, once, whatever Kafka redelivers.</summary>
sealed class HeartbeatIngestion([FromKeyedServices(HeartbeatIngestion.Group)] TransactionalKafkaConsumer consumer, ILogger<HeartbeatIngestion> logger)
    : KafkaIngestionService(consumer)
{
    public const string Group = "workers-heartbeat";

    const string Insert = """
        INSERT INTO pipeline.heartbeats (source, sequence, sent_at) VALUES ($1, $2, $3)
        ON CONFLICT (source, sequence) DO NOTHING
        """;

    sealed record HeartbeatMessage(string Source, long Sequence, DateTime SentAt);

    protected override TransactionalKafkaConsumer.Options Options { get; } = new("pipeline.heartbeat", MaxBatch: 500);

    public override async Task HandleAsync(KafkaBatch batch, CancellationToken ct)
    {
        foreach (var record in batch.Records)
        {
            HeartbeatMessage? heartbeat;
            try { heartbeat = JsonSerializer.Deserialize<HeartbeatMessage>(record.Message.Value, JsonSerializerOptions.Web); }
            catch (JsonException e)
            {
                // A heartbeat carries no data worth quarantining; say so and move on.
                logger.LogWarning("unreadable heartbeat at {Partition}:{Offset}: {Error}", record.Partition.Value, record.Offset.Value, e.Message);
                continue;
            }
            if (heartbeat is null) continue;
            await using var insert = new NpgsqlCommand(Insert, batch.Connection, batch.Transaction);
            insert.Parameters.Add(new() { Value = heartbeat.Source });
            insert.Parameters.Add(new() { Value = heartbeat.Sequence });
            insert.Parameters.Add(new() { Value = DateTime.SpecifyKind(heartbeat.SentAt, DateTimeKind.Utc) });
            await insert.ExecuteNonQueryAsync(ct);
        }
    }
}
