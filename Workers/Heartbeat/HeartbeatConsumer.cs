using System.Diagnostics;
using System.Text.Json;
using Confluent.Kafka;
using Npgsql;
using ServiceDefaults.Kafka;

namespace Workers.Heartbeat;

/// <summary>Records every heartbeat from Feeds in PostgreSQL; the Kafka offset is committed after the row is.</summary>
sealed class HeartbeatConsumer(KafkaClients kafka, NpgsqlDataSource dataSource, ILogger<HeartbeatConsumer> logger) : BackgroundService
{
    const string Topic = "pipeline.heartbeat";
    static readonly ActivitySource Source = new("Pipeline.Workers");

    const string Insert = """
        INSERT INTO pipeline.heartbeats (source, sequence, sent_at) VALUES ($1, $2, $3)
        ON CONFLICT (source, sequence) DO NOTHING
        """;

    sealed record HeartbeatMessage(string Source, long Sequence, DateTime SentAt);

    // Consume blocks; run the loop on its own thread so it never starves the thread pool.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => ConsumeLoopAsync(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    async Task ConsumeLoopAsync(CancellationToken ct)
    {
        using var consumer = new ConsumerBuilder<string, string>(kafka.ConsumerConfig("workers-heartbeat")).Build();
        consumer.Subscribe(Topic);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                ConsumeResult<string, string>? record;
                try { record = consumer.Consume(ct); }
                catch (ConsumeException e)
                {
                    logger.LogWarning("heartbeat consume failed: {Reason}", e.Error.Reason);
                    continue;
                }
                using var span = Source.StartActivity("heartbeat record", ActivityKind.Consumer);
                var heartbeat = JsonSerializer.Deserialize<HeartbeatMessage>(record.Message.Value, JsonSerializerOptions.Web);
                if (heartbeat is not null)
                {
                    await using var insert = dataSource.CreateCommand(Insert);
                    insert.Parameters.Add(new() { Value = heartbeat.Source });
                    insert.Parameters.Add(new() { Value = heartbeat.Sequence });
                    insert.Parameters.Add(new() { Value = DateTime.SpecifyKind(heartbeat.SentAt, DateTimeKind.Utc) });
                    await insert.ExecuteNonQueryAsync(ct);
                }
                consumer.Commit(record);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            consumer.Close();
        }
    }
}
