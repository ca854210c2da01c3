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
            Assert.Equal(2, await EventuallyCountAsync(env, 2));
            await workers.KillAsync();
        }

        await Send(3);
        await using (await ServiceProcess.StartAsync("Workers", env)) // migrations run again: they must be idempotent
        {
            Assert.Equal(3, await EventuallyCountAsync(env, 3));
        }

        await using var connection = new NpgsqlConnection(env["ConnectionStrings__postgres"]);
        await connection.OpenAsync();
        await using var rows = new NpgsqlCommand("SELECT string_agg(sequence::text, ',' ORDER BY sequence) FROM pipeline.heartbeats WHERE source = 'probe'", connection);
        Assert.Equal("1,2,3", await rows.ExecuteScalarAsync());
    }

    static async Task<long> EventuallyCountAsync(Dictionary<string, string> env, long expected)
    {
        await using var connection = new NpgsqlConnection(env["ConnectionStrings__postgres"]);
        await connection.OpenAsync();
        long count = 0;
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline; await Task.Delay(200))
        {
            await using var read = new NpgsqlCommand("SELECT count(*) FROM pipeline.heartbeats", connection);
            try { count = (long)(await read.ExecuteScalarAsync())!; }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable) { continue; }
            if (count >= expected) break;
        }
        await Task.Delay(500); // and nothing more arrives
        await using var final = new NpgsqlCommand("SELECT count(*) FROM pipeline.heartbeats", connection);
        return (long)(await final.ExecuteScalarAsync())!;
    }
}
