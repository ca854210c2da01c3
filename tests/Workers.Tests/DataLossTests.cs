using System.Net.Http.Json;
using System.Text.Json;
using Confluent.Kafka;
using Npgsql;
using TestSupport;

namespace Workers.Tests;

[Collection("workers")]
public sealed class DataLossTests(WorkersInfrastructure infrastructure)
{
    [Fact]
    public async Task Offsets_dropped_by_the_broker_before_consumption_are_recorded_as_data_loss_and_degrade_health()
    {
        // A broker of its own: the local broker keeps ~5 MiB per partition and silently drops older data.
        using var kafka = new KafkaFixture();
        kafka.CreateTopic("pipeline.heartbeat", 1);
        var padding = new string('x', 1000);
        using (var producer = KafkaTestClients.Producer(kafka.BootstrapServers))
        {
            for (var i = 1; i <= 9000; i++)
                producer.Produce("pipeline.heartbeat", new Message<string, string> { Key = "bulk", Value = $$"""{"source":"bulk","sequence":{{i}},"sentAt":"2026-01-01T00:00:00Z","padding":"{{padding}}"}""" });
            producer.Flush(TimeSpan.FromSeconds(30));
        }
        var env = await infrastructure.EnvironmentAsync("loss");
        env["ConnectionStrings__kafka"] = kafka.BootstrapServers;

        await using var workers = await ServiceProcess.StartAsync("Workers", env);
        await using var connection = new NpgsqlConnection(env["ConnectionStrings__postgres"]);
        await connection.OpenAsync();
        long stored = 0, firstSequence = 0;
        for (var deadline = DateTime.UtcNow.AddSeconds(90); DateTime.UtcNow < deadline && stored == 0 || stored < 9000 - firstSequence + 1 && DateTime.UtcNow < deadline; await Task.Delay(200))
        {
            await using var read = new NpgsqlCommand("SELECT count(*), coalesce(min(sequence), 0) FROM pipeline.heartbeats", connection);
            await using var reader = await read.ExecuteReaderAsync();
            await reader.ReadAsync();
            (stored, firstSequence) = (reader.GetInt64(0), reader.GetInt64(1));
        }
        Assert.True(firstSequence > 1, $"expected the broker to have dropped the oldest messages; first stored sequence {firstSequence}");
        Assert.Equal(9000 - firstSequence + 1, stored);

        await using var loss = new NpgsqlCommand("SELECT topic, partition, first_missing, last_missing FROM pipeline.data_loss", connection);
        await using (var reader = await loss.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync(), "no data loss recorded");
            Assert.Equal(("pipeline.heartbeat", 0, 0L, firstSequence - 2), (reader.GetString(0), reader.GetInt32(1), reader.GetInt64(2), reader.GetInt64(3)));
            Assert.False(await reader.ReadAsync());
        }

        using var http = new HttpClient();
        var health = await http.GetFromJsonAsync<JsonElement>(new Uri(workers.Url, "/health"));
        Assert.Equal("Degraded", health.GetProperty("entries").GetProperty("data-loss").GetProperty("status").GetString());
    }
}
