using System.Text;
using Confluent.Kafka;
using Npgsql;
using TestSupport;
using Trades;
using Trades.Json;

namespace Workers.Tests;

/// <summary>Trades as the feed reader publishes them: one JSON message per leg, keyed by TradeId.</summary>
static class TradeMessages
{
    public static void Produce(KafkaFixture kafka, IEnumerable<Trade> trades)
    {
        using var producer = new ProducerBuilder<byte[]?, byte[]>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers, LingerMs = 5 }).Build();
        foreach (var trade in trades)
            producer.Produce("energy.trades.v1", new Message<byte[]?, byte[]> { Key = Encoding.UTF8.GetBytes(trade.TradeId.ToString()), Value = TradeJson.ToUtf8Bytes(trade) });
        producer.Flush(TimeSpan.FromSeconds(30));
    }
}

/// <summary>Reads a test database while Workers (another process) fills it; tables may not exist yet.</summary>
sealed class PipelineDatabase(string connectionString) : IAsyncDisposable
{
    public NpgsqlDataSource DataSource { get; } = NpgsqlDataSource.Create(connectionString);

    /// <summary>Polls a count until it reaches <paramref name="atLeast"/>; returns it, or throws after the timeout.</summary>
    public async Task<long> WaitForCountAsync(string countSql, long atLeast, int pollMs = 200, int timeoutSeconds = 90)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds); DateTime.UtcNow < deadline; await Task.Delay(pollMs))
        {
            try
            {
                var count = await ScalarAsync<long>(countSql);
                if (count >= atLeast) return count;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable) { }
        }
        throw new TimeoutException($"{countSql} did not reach {atLeast} within {timeoutSeconds} s");
    }

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task<List<T>> ListAsync<T>(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<T>();
        while (await reader.ReadAsync()) values.Add(reader.GetFieldValue<T>(0));
        return values;
    }

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
