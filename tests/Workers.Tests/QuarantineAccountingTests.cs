using System.Text;
using Confluent.Kafka;
using TestSupport;
using Trades;
using Trades.Csv;
using Trades.Generation;
using Trades.Json;
using Trades.Storage;
using Workers.Storage;

namespace Workers.Tests;

/// <summary>
/// Every received record is accounted for by the tables: received = inserted + duplicates + quarantined, with one
/// quarantine row per rejected record holding the record exactly as received, on the stream and the file path.
/// </summary>
[Collection("workers")]
public sealed class QuarantineAccountingTests(WorkersInfrastructure infrastructure)
{
    const string Topic = "energy.trades.v1";

    [Fact]
    public async Task A_file_import_accounts_for_every_line_and_quarantines_each_rejected_line_as_it_was_read()
    {
        var legs = TradeGenerator.GenerateDay(new DateOnly(2023, 2, 1), "NL", seed: 5, intensity: 0.02).Trades.Take(40).ToList();
        var conflicted = legs.GroupBy(t => t.TradeId).First(g => g.Count() == 2).ToList(); // a trade with both legs
        var lines = legs.Select(TradeCsv.FormatRecord).ToList();
        lines.AddRange(lines.Take(5)); // exact repeats: duplicates
        lines.Add("not,a,trade");
        lines.Add("not,a,trade"); // the same broken line twice: two rejected records
        lines.AddRange(conflicted.Select(t => TradeCsv.FormatRecord(t with { Price = t.Price + 1.5m }))); // BUY and SELL, both conflicting
        var path = Path.Combine(Path.GetTempPath(), $"quarantine-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, "# test file\n" + string.Join(',', TradeColumns.Names) + "\n" + string.Join("\n", lines) + "\n");
        await using var db = new PipelineDatabase(await infrastructure.Postgres.CreateDatabaseAsync("quarantine_file"));
        await PipelineSchema.ApplyAsync(db.DataSource, CancellationToken.None);

        var first = await ImportAsync(db, path, "day.csv");
        var again = await ImportAsync(db, path, "day.csv");
        File.Delete(path);

        Assert.Equal(new FileImportOutcome(lines.Count, new StoreOutcome(legs.Count, 5, 4)), first);
        Assert.Equal(new FileImportOutcome(lines.Count, new StoreOutcome(0, legs.Count + 5, 4)), again);
        Assert.Equal(legs.Count, await db.ScalarAsync<long>("SELECT count(*) FROM pipeline.trades"));
        var rows = await QuarantineAsync(db);
        Assert.Equal(first.Stored.Quarantined, rows.Count);
        Assert.All(rows, row => Assert.Equal(2, row.Occurrences)); // imported twice, never a second row
        // Line numbers count the comment and header lines: the first record is line 3.
        var expected = Enumerable.Range(legs.Count + 5, 4).Select(i => ($"day.csv:{i + 3}", lines[i])).ToList();
        Assert.Equal(expected, rows.Select(r => (r.Location, Encoding.UTF8.GetString(r.Payload))));
        Assert.All(rows.Skip(2), r => Assert.StartsWith($"conflicting duplicate: TradeId {conflicted[0].TradeId} ", r.Reason, StringComparison.Ordinal));
        Assert.Equal(["BUY", "SELL"], rows.Skip(2).Select(r => r.Reason.Split(' ')[4]).Order()); // one row per leg, each its own side
    }

    [Fact]
    public async Task A_stream_accounts_for_every_message_and_a_replay_from_the_first_offset_adds_no_row()
    {
        using var kafka = new KafkaFixture();
        kafka.CreateTopic(Topic, 4);
        var legs = TradeGenerator.GenerateDay(new DateOnly(2023, 2, 2), "BE", seed: 9, intensity: 0.02).Trades.Take(120).ToList();
        var conflicted = legs.GroupBy(t => t.TradeId).First(g => g.Count() == 2).ToList();
        var messages = legs.Select(TradeJson.ToUtf8Bytes).ToList();
        messages.AddRange(messages.Take(10)); // a feed reconnect's replay: duplicates
        messages.Add("{\"TradeId\":\"1\","u8.ToArray());
        messages.Add("{\"TradeId\":\"1\","u8.ToArray()); // the same broken message twice: two rejected records
        var conflicts = conflicted.Select(t => TradeJson.ToUtf8Bytes(t with { Volume = t.Volume + 0.1m })).ToList();
        var env = await infrastructure.EnvironmentAsync("quarantine_stream");
        env["ConnectionStrings__kafka"] = kafka.BootstrapServers;
        await using var db = new PipelineDatabase(env["ConnectionStrings__postgres"]);

        // The conflicting legs come after the originals are stored, so they meet them in the table, not in one batch.
        Produce(kafka, messages);
        await using (await ServiceProcess.StartAsync("Workers", env))
        {
            await db.WaitForCountAsync("SELECT coalesce(sum(next_offset), 0)::bigint FROM pipeline.consumer_offsets WHERE topic = 'energy.trades.v1'", messages.Count);
            Produce(kafka, conflicts);
            await db.WaitForCountAsync("SELECT coalesce(sum(next_offset), 0)::bigint FROM pipeline.consumer_offsets WHERE topic = 'energy.trades.v1'", messages.Count + conflicts.Count);
        }
        var received = messages.Concat(conflicts).ToList();
        var stored = await db.ScalarAsync<long>("SELECT count(*) FROM pipeline.trades");
        var rows = await QuarantineAsync(db);
        Assert.Equal(legs.Count, stored);
        Assert.Equal(4, rows.Count);
        Assert.Equal(received.Count, stored + 10 + rows.Count); // received = inserted + duplicates + quarantined
        Assert.Equal(
            received.Skip(legs.Count + 10).Select(Encoding.UTF8.GetString).Order(),
            rows.Select(r => Encoding.UTF8.GetString(r.Payload)).Order());
        Assert.Equal(4, rows.Select(r => r.Location).Distinct().Count());
        Assert.All(rows, r => Assert.Matches(@"^energy\.trades\.v1\[\d\]@\d+$", r.Location));
        Assert.Equal(2, rows.Count(r => r.Reason.StartsWith($"conflicting duplicate: TradeId {conflicted[0].TradeId} ", StringComparison.Ordinal)));

        // Replay the whole topic (as after a lost offset store): nothing new in either table, each record seen twice.
        await db.ScalarAsync<int>("WITH d AS (DELETE FROM pipeline.consumer_offsets RETURNING 1) SELECT count(*)::int FROM d");
        await using (await ServiceProcess.StartAsync("Workers", env))
            await db.WaitForCountAsync("SELECT coalesce(sum(next_offset), 0)::bigint FROM pipeline.consumer_offsets WHERE topic = 'energy.trades.v1'", received.Count);
        Assert.Equal(legs.Count, await db.ScalarAsync<long>("SELECT count(*) FROM pipeline.trades"));
        Assert.All(await QuarantineAsync(db), r => Assert.Equal(2, r.Occurrences));
        Assert.Equal(4, (await QuarantineAsync(db)).Count);
    }

    static async Task<FileImportOutcome> ImportAsync(PipelineDatabase db, string path, string fileName)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await using var csv = File.OpenRead(path);
        return await TradeFileImport.ImportAsync(connection, csv, fileName, $"import:test:{fileName}", CancellationToken.None);
    }

    static async Task<List<(string Location, byte[] Payload, string Reason, int Occurrences)>> QuarantineAsync(PipelineDatabase db)
    {
        await using var command = db.DataSource.CreateCommand("SELECT location, payload, reason, occurrences FROM pipeline.trade_quarantine ORDER BY id");
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, byte[], string, int)>();
        while (await reader.ReadAsync()) rows.Add((reader.GetString(0), reader.GetFieldValue<byte[]>(1), reader.GetString(2), reader.GetInt32(3)));
        return rows;
    }

    static void Produce(KafkaFixture kafka, IEnumerable<byte[]> messages)
    {
        using var producer = new ProducerBuilder<byte[]?, byte[]>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers, LingerMs = 5 }).Build();
        foreach (var message in messages) producer.Produce(Topic, new Message<byte[]?, byte[]> { Value = message });
        producer.Flush(TimeSpan.FromSeconds(30));
    }
}
