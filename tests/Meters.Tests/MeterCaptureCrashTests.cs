using Confluent.Kafka;
using Meters.Generation;
using Microsoft.Extensions.Logging.Abstractions;
using Temporalio.Client;
using TestSupport;
using Workflows.Meters;

namespace Meters.Tests;

/// <summary>The producer → Kafka → Workers' raw capture → the meter workflow, with Workers SIGKILLed while records stream in.</summary>
[Collection("meters")]
public sealed class MeterCaptureCrashTests(MetersInfrastructure infrastructure)
{
    const string Topic = MeterFeedOptions.DefaultTopic;

    [Fact]
    public async Task Killing_workers_mid_stream_loses_and_duplicates_no_raw_record_and_the_cleaned_grid_is_gap_free()
    {
        using var kafka = new KafkaFixture();
        kafka.CreateTopic(Topic, 2);
        var env = await infrastructure.EnvironmentAsync("meters_crash", kafka);
        await using var db = new MeterDatabase(env["ConnectionStrings__postgres"]);
        await using var workers = await ServiceProcess.StartAsync("Workers", env);

        // The real producer code, live at 600x: a 10 s tick every ~17 ms, so records keep arriving across the kill.
        using var producer = new ProducerBuilder<byte[]?, byte[]>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers, EnableIdempotence = true, LingerMs = 5 }).Build();
        var options = new MeterFeedOptions { BackfillHours = 1, Speed = 600, Jitter = TimeSpan.FromSeconds(2) };
        var start = DateTime.UtcNow;
        var producing = new MeterProducer(producer, options, TimeProvider.System, NullLogger.Instance).RunAsync(start.AddSeconds(600 * 16), CancellationToken.None);

        await db.WaitForCountAsync("SELECT count(*) FROM meters.raw_records", 700);
        await workers.KillAsync();
        var atKill = await db.ScalarAsync<long>("SELECT count(*) FROM meters.raw_records");
        await Task.Delay(TimeSpan.FromSeconds(2));
        await using (var restarted = await ServiceProcess.StartAsync("Workers", env))
        {
            var sent = await producing;
            Assert.True(sent > atKill + 500, $"only {sent - atKill} of {sent} records arrived after the kill: not mid-stream");
            await db.WaitForCountAsync("SELECT count(*) FROM meters.raw_records", sent);

            // Exactly the topic's records, each once, with their bytes: what an independent consumer reads from Kafka.
            var topic = ReadTopic(kafka.BootstrapServers, (int)sent);
            var stored = await db.RowsAsync<string, byte[]>("SELECT partition || ':' || \"offset\", value FROM meters.raw_records ORDER BY partition, \"offset\"");
            Assert.Equal(sent, topic.Count);
            Assert.Equal(topic.Select(t => (t.Position, Convert.ToHexString(t.Value))), stored.Select(s => (s.Item1, Convert.ToHexString(s.Item2))));

            var client = await infrastructure.ConnectTemporalAsync();
            var report = await MeterPipelineTests.RunAsync(client, restarted, "meters-crash-1");

            Assert.Equal((sent, sent, 0), (report.Records, report.Measurements, report.Quarantined));
            var cleaned = await MeterPipelineTests.CleanedAsync(db);
            Assert.Equal(4, cleaned.Count);
            Assert.All(cleaned, c => Assert.Equal((c.Points - 1) * 10, c.SpanSeconds)); // no gap over 300 s at p = 0.5 in practice: 0.5^30 per point
            Assert.Equal(sent, cleaned.Sum(c => c.Measured));
        }
    }

    static List<(string Position, byte[] Value)> ReadTopic(string bootstrapServers, int count)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "test-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe(Topic);
        var records = new List<(int Partition, long Offset, byte[] Value)>();
        for (var deadline = DateTime.UtcNow.AddSeconds(60); records.Count < count && DateTime.UtcNow < deadline;)
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } record) records.Add((record.Partition.Value, record.Offset.Value, record.Message.Value));
        consumer.Close();
        return records.OrderBy(r => r.Partition).ThenBy(r => r.Offset).Select(r => ($"{r.Partition}:{r.Offset}", r.Value)).ToList();
    }
}
