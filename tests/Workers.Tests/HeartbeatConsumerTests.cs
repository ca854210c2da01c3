using Confluent.Kafka;
using Npgsql;
using TestSupport;

namespace Workers.Tests;

[Collection("workers")]
public sealed class HeartbeatConsumerTests(WorkersInfrastructure infrastructure)
{
    [Fact]
    public async Task A_redelivered_heartbeat_is_recorded_once_and_a_killed_worker_resumes_where_it_committed()
    {
        var env = await infrastructure.EnvironmentAsync("heartbeats");
        await using var db = new PipelineDatabase(env["ConnectionStrings__postgres"]);
        using var producer = KafkaTestClients.Producer(infrastructure.Kafka.BootstrapServers);
        async Task Send(long sequence) => await producer.ProduceAsync("pipeline.heartbeat", new Message<string, string>
        {
            Key = "probe",
            Value = $$"""{"source":"probe","sequence":{{sequence}},"sentAt":"2026-01-01T00:00:{{sequence:00}}Z"}""",
        });

        await using (var workers = await ServiceProcess.StartAsync("Workers", env))
        {
            await Send(1);
            await Send(2);
            await Send(2); // Kafka may deliver a message twice; the table must not care.
            Assert.Equal(2, await SettledCountAsync(db, 2));
            await workers.KillAsync();
        }

        await Send(3);
        await using (await ServiceProcess.StartAsync("Workers", env)) // migrations run again: they must be idempotent
        {
            Assert.Equal(3, await SettledCountAsync(db, 3));
        }

        Assert.Equal("1,2,3", await db.ScalarAsync<string>("SELECT string_agg(sequence::text, ',' ORDER BY sequence) FROM pipeline.heartbeats WHERE source = 'probe'"));
    }

    /// <summary>The count once it reached <paramref name="expected"/> and nothing more arrived for half a second.</summary>
    static async Task<long> SettledCountAsync(PipelineDatabase db, long expected)
    {
        await db.WaitForCountAsync("SELECT count(*) FROM pipeline.heartbeats", expected, timeoutSeconds: 30);
        await Task.Delay(500);
        return await db.ScalarAsync<long>("SELECT count(*) FROM pipeline.heartbeats");
    }
}
