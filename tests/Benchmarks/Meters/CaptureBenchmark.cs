using System.Diagnostics;
using Benchmarks.Support;
using Confluent.Kafka;
using Meters.Generation;
using Npgsql;
using NpgsqlTypes;

namespace Meters.Benchmarks;

/// <summary>
/// Kafka → meters.raw_records by the real Workers process (MeterCapture: every record as received, offsets committed
/// with the rows), against a baseline measured in the same run on the same server: one raw binary COPY of the same
/// records into a table of the same shape and key. Usage: benchmarks meters-capture [--records 200000] [--runs 3]
/// </summary>
public static class CaptureBenchmark
{
    const string Topic = MeterFeedOptions.DefaultTopic;

    public static async Task<int> RunAsync(string[] args)
    {
        var count = Bench.Option(args, "--records", 200_000);
        var runs = Bench.Option(args, "--runs", 3);
        var feed = new MeterFeedOptions { SendProbability = 1 };
        var first = MeterGenerator.TickAtOrBefore(new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc), feed.Interval);
        var messages = Enumerable.Range(0, count / 4 + 1).SelectMany(i => MeterGenerator.At(first + i, feed)).Take(count).ToList();
        Console.WriteLine($"meters-capture: {messages.Count:N0} records, {runs} run(s), {Environment.ProcessorCount} cores");

        await using var servers = await BenchServers.StartAsync(s3: true, kafka: true);
        servers.Kafka!.CreateTopic(Topic, 16);
        var records = new List<(int Partition, long Offset, byte[] Key, byte[] Value, DateTime Timestamp)>(count);
        // zstd as the product's producers send: the records are keyed by device, so 100,000 records of two devices land on
        // two partitions, and uncompressed they exceed the local broker's ~5 MiB per partition, which silently drops the
        // oldest: the capture then never reaches the count it waits for (the first attempts of this suite hung so)
        using (var producer = new ProducerBuilder<byte[]?, byte[]>(new ProducerConfig
        {
            BootstrapServers = servers.Kafka.BootstrapServers,
            LingerMs = 5,
            EnableIdempotence = true,
            CompressionType = CompressionType.Zstd,
        }).Build())
        {
            foreach (var m in messages)
                producer.Produce(Topic, new Message<byte[]?, byte[]> { Key = System.Text.Encoding.UTF8.GetBytes(m.DeviceId), Value = MeterGenerator.ToJson(m) },
                    r => { lock (records) records.Add((r.Partition.Value, r.Offset.Value, r.Message.Key!, r.Message.Value, r.Message.Timestamp.UtcDateTime)); });
            producer.Flush(TimeSpan.FromMinutes(2));
        }
        EnsureBrokerKeptEverything(servers.Kafka.BootstrapServers, records.Count);

        var capture = new List<double>();
        var baseline = new List<double>();
        for (var run = 1; run <= runs; run++)
        {
            var database = await servers.CreateDatabaseAsync("bench");
            var workers = await servers.StartServiceAsync("Workers", database, new Dictionary<string, string>
            {
                ["Trades__LiveSchedule__Enabled"] = "false",
                ["Meters__Schedule__Enabled"] = "false",
            });
            var (counted, seconds) = await MeasureCaptureAsync(database, records.Count);
            await workers.DisposeAsync();
            var copy = await MeasureBaselineCopyAsync(database, records);
            capture.Add(counted / seconds);
            baseline.Add(records.Count / copy);
            Console.WriteLine($"run {run}: capture {counted / seconds:N0} records/s ({counted:N0} records after the first batch in {seconds:F2} s), " +
                $"raw COPY {records.Count / copy:N0} rows/s ({copy:F2} s), ratio {counted / seconds / (records.Count / copy):F2}");
        }
        Console.WriteLine($"median: capture {Bench.Median(capture):N0} records/s, raw COPY {Bench.Median(baseline):N0} rows/s, ratio {Bench.Median(capture) / Bench.Median(baseline):F2}");
        return 0;
    }

    /// <summary>Fails unless every partition still starts at offset 0 and the topic holds every produced record.</summary>
    static void EnsureBrokerKeptEverything(string bootstrapServers, int produced)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = bootstrapServers, GroupId = "meters-capture-bench-check" }).Build();
        var marks = Enumerable.Range(0, 16).Select(p => consumer.QueryWatermarkOffsets(new TopicPartition(Topic, p), TimeSpan.FromSeconds(10))).ToList();
        var kept = marks.Sum(m => m.High.Value - m.Low.Value);
        if (marks.Any(m => m.Low.Value != 0) || kept != produced)
            throw new InvalidOperationException($"the broker kept {kept:N0} of {produced:N0} records (dropped the oldest past its retention): the capture could never store them all");
    }

    /// <summary>
    /// The records stored after the first batch and the seconds they took: the clock starts when the first batch is
    /// seen, so neither the process's start-up nor that batch (consumed and stored before anything is visible) counts.
    /// Progress is read from the capture's stored positions (committed with its rows, every partition from offset 0):
    /// a <c>count(*)</c> of the growing table every 20 ms would take CPU from the capture it measures. The rows are
    /// counted once at the end. Fails when the count stops growing for a minute: a capture that cannot finish is an
    /// error to see, not a wait without end.
    /// </summary>
    static async Task<(long Records, double Seconds)> MeasureCaptureAsync(string database, int expected)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        Stopwatch? clock = null;
        var first = 0L;
        var (last, lastProgress) = (-1L, Stopwatch.StartNew());
        while (true)
        {
            var stored = await ScalarAsync(connection, "SELECT coalesce(sum(next_offset), 0)::bigint FROM pipeline.consumer_offsets WHERE consumer_group = 'workers-meters' AND topic = $1");
            if (stored > 0 && clock is null) (clock, first) = (Stopwatch.StartNew(), stored);
            if (stored >= expected)
            {
                var seconds = clock!.Elapsed.TotalSeconds;
                var rows = await ScalarAsync(connection, "SELECT count(*) FROM meters.raw_records WHERE topic = $1");
                return rows == expected ? (stored - first, seconds) : throw new InvalidOperationException($"the capture's positions say {stored:N0} records, the table holds {rows:N0}");
            }
            if (stored != last) (last, lastProgress) = (stored, Stopwatch.StartNew());
            else if (lastProgress.Elapsed > TimeSpan.FromMinutes(1))
                throw new TimeoutException($"the capture stored {stored:N0} of {expected:N0} records and nothing more for a minute");
            await Task.Delay(20);
        }
    }

    /// <summary>A count over the capture's tables; 0 until Workers has created them.</summary>
    static async Task<long> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        try
        {
            await using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.Add(new() { Value = Topic });
            return (long)(await command.ExecuteScalarAsync())!;
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
        {
            return 0;
        }
    }

    /// <summary>
    /// Seconds of one binary COPY of the records into a table like <c>meters.raw_records</c> (its defaults, primary key
    /// and index). A first COPY of a few records into a scratch table compiles the COPY path beforehand, as the
    /// capture's first batch does before its clock starts.
    /// </summary>
    static async Task<double> MeasureBaselineCopyAsync(string database, IReadOnlyList<(int Partition, long Offset, byte[] Key, byte[] Value, DateTime Timestamp)> records)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        foreach (var table in new[] { "baseline_warmup", "baseline_raw" })
            await using (var create = new NpgsqlCommand($"CREATE TABLE {table} (LIKE meters.raw_records INCLUDING DEFAULTS INCLUDING INDEXES)", connection))
                await create.ExecuteNonQueryAsync();
        await CopyAsync(connection, "baseline_warmup", records.Take(5_000));
        var clock = Stopwatch.StartNew();
        await CopyAsync(connection, "baseline_raw", records);
        return clock.Elapsed.TotalSeconds;
    }

    static async Task CopyAsync(NpgsqlConnection connection, string table, IEnumerable<(int Partition, long Offset, byte[] Key, byte[] Value, DateTime Timestamp)> records)
    {
        await using var writer = await connection.BeginBinaryImportAsync($"""COPY {table} (topic, partition, "offset", key, value, "timestamp", timestamp_type, origin) FROM STDIN (FORMAT BINARY)""");
        foreach (var r in records)
        {
            writer.StartRow();
            writer.Write(Topic, NpgsqlDbType.Text);
            writer.Write(r.Partition, NpgsqlDbType.Integer);
            writer.Write(r.Offset, NpgsqlDbType.Bigint);
            writer.Write(r.Key, NpgsqlDbType.Bytea);
            writer.Write(r.Value, NpgsqlDbType.Bytea);
            writer.Write(r.Timestamp, NpgsqlDbType.TimestampTz);
            writer.Write((short)0, NpgsqlDbType.Smallint);
            writer.Write("baseline", NpgsqlDbType.Text);
        }
        await writer.CompleteAsync();
    }
}
