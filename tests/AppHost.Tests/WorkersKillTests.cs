using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Temporalio.Client;
using Workflows.Meters;
using Xunit.Abstractions;

namespace AppHost.Tests;

/// <summary>
/// The whole graph with the Workers process SIGKILLed while records stream in and started again through Aspire: what
/// the producer wrote to Kafka reaches PostgreSQL once per record and goes through the workflow.
/// </summary>
public sealed class WorkersKillTests(ITestOutputHelper output)
{
    const string MeterTopic = "energy.meters.v1";
    static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Meters_after_a_SIGKILL_of_workers_mid_capture_every_kafka_record_is_in_raw_records_exactly_once_and_every_series_is_cleaned()
    {
        var clock = Stopwatch.StartNew();
        void Log(string message) => output.WriteLine($"[{clock.Elapsed:mm\\:ss}] {message}");
        await using var graph = await TestingGraph.StartAsync(builder =>
        {
            // Six hours of history at once (~4,300 records), then a 10 s tick every 83 ms (120x): ~24 records a second, few
            // enough that a slow machine's longer run stays far below what the local broker keeps per partition.
            builder.CreateResourceBuilder<ProjectResource>("feeds")
                .WithEnvironment("Meters__Feed__BackfillHours", "6")
                .WithEnvironment("Meters__Feed__Speed", "120");
            // The test starts the meter workflow once everything is stored: scheduled runs would split the counts.
            builder.CreateResourceBuilder<ProjectResource>("workers").WithEnvironment("Meters__Schedule__Enabled", "false");
        });
        var app = graph.App;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        foreach (var resource in new[] { "postgres", "kafka", "temporal", "feeds", "workers" })
            await app.ResourceNotifications.WaitForResourceHealthyAsync(resource, timeout.Token);
        var postgres = (await app.GetConnectionStringAsync("postgres", timeout.Token))!;
        var kafka = (await app.GetConnectionStringAsync("kafka", timeout.Token))!;
        Task<long> Captured() => PipelineRuns.CountAsync(postgres, "SELECT count(*) FROM meters.raw_records");
        Log("the graph is healthy");

        // SIGKILL while the live ticks stream in (the backfill is stored and more), then start Workers again.
        Assert.True(await PipelineRuns.EventuallyAsync(Captured, n => n >= 4_500, Deadline) >= 4_500, "Workers did not capture the backfill");
        Log($"SIGKILL of {await KillServiceAsync(app, "workers", timeout.Token)}");
        var atKill = await Captured();
        Log($"{atKill} records stored at the kill");
        await app.ResourceNotifications.WaitForResourceAsync("workers", [KnownResourceStates.Exited, KnownResourceStates.Finished], timeout.Token);
        var commands = app.Services.GetRequiredService<ResourceCommandService>();
        var start = await commands.ExecuteCommandAsync(graph.Resource("workers"), KnownResourceCommands.StartCommand, timeout.Token);
        Assert.True(start.Success, $"starting Workers again: {start.Message}");
        await app.ResourceNotifications.WaitForResourceHealthyAsync("workers", timeout.Token);
        Log("Workers started again and healthy");

        // The restarted Workers catch up and capture live records. Then the producer ends, so the topic has an end: SIGKILLed
        // too, as Feeds' graceful stop can outlast DCP's stop timeout on a loaded machine (the stop command then fails).
        Assert.True(await PipelineRuns.EventuallyAsync(Captured, n => n >= atKill + 500, Deadline) >= atKill + 500, "the restarted Workers capture nothing new");
        Log($"{await Captured()} records stored; SIGKILL of {await KillServiceAsync(app, "feeds", timeout.Token)}");
        var partitions = Watermarks(kafka);
        Assert.All(partitions, p => Assert.Equal(0L, p.Low)); // the broker dropped nothing: the topic holds every record produced
        var produced = partitions.Sum(p => p.High);
        Log($"{produced} records in {MeterTopic} ({string.Join(", ", partitions.Select(p => $"{p.Partition}: {p.Low}..{p.High}"))})");
        var stored = await PipelineRuns.EventuallyAsync(Captured, n => n >= produced, Deadline);
        Log($"{stored} records stored");

        // Every offset of every partition from 0 to the high-water mark, once, with the bytes Kafka holds.
        var fromKafka = ReadTopic(kafka, partitions);
        var fromPostgres = await ReadRawRecordsAsync(postgres);
        Assert.Equal((produced, produced), (stored, (long)fromKafka.Count));
        Assert.Equal(partitions.Where(p => p.High > 0).Select(p => (p.Partition, Count: p.High, First: 0L, Last: p.High - 1)),
            fromPostgres.GroupBy(r => r.Partition).OrderBy(g => g.Key).Select(g => (g.Key, (long)g.Count(), g.Min(r => r.Offset), g.Max(r => r.Offset))));
        Assert.Equal(Checksum(fromKafka), Checksum(fromPostgres));
        Assert.True(produced >= atKill + 500, $"{atKill} of {produced} records were stored at the kill: not mid-capture");

        // The meter workflow as the schedule starts it: every record processed, each series cleaned onto its 10 s grid.
        var grpc = app.GetEndpoint("temporal", "grpc");
        var temporal = await TemporalClient.ConnectAsync(new TemporalClientConnectOptions($"{grpc.Host}:{grpc.Port}"));
        var report = await temporal.ExecuteWorkflowAsync((MeterPipelineWorkflow w) => w.RunAsync(MeterPipelineRequest.Live()),
            new WorkflowOptions("meters-after-kill", MeterPipelineWorkflow.TaskQueue)).WaitAsync(Deadline);
        Log($"meter workflow: {report}");
        Assert.Equal((produced, produced, 0, false), ((long)report.Records, (long)report.Measurements, report.Quarantined, report.RunFailed));
        var measured = fromKafka.Select(Measured).ToList();
        var expected = measured.GroupBy(m => m.Series).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, Points: (g.Max(m => m.Time) - g.Min(m => m.Time)) / 10 + 1, Measured: (long)g.Count(), First: g.Min(m => m.Time), Last: g.Max(m => m.Time)))
            .ToList();
        Assert.Equal(4, expected.Count);
        Assert.Equal(expected, await CleanedSeriesAsync(postgres)); // gap-free: no gap over 300 s at p = 0.5 in practice (0.5^30)
        Assert.Equal(measured.OrderBy(m => m.Series, StringComparer.Ordinal).ThenBy(m => m.Time), await MeasuredPointsAsync(postgres));
    }

    /// <summary>
    /// SIGKILLs a service's own process (returns its pid and command line), as a crash or an OOM kill would: DCP starts a project as <c>dotnet run</c>
    /// (the resource's <c>executable.pid</c>), which runs the built service as its child.
    /// </summary>
    static async Task<string> KillServiceAsync(DistributedApplication app, string name, CancellationToken ct)
    {
        var running = await app.ResourceNotifications.WaitForResourceAsync(name, e => e.Snapshot.State?.Text == KnownResourceStates.Running, ct);
        var launcher = Convert.ToInt32(running.Snapshot.Properties.Single(p => p.Name == "executable.pid").Value, CultureInfo.InvariantCulture);
        var service = Descendants(launcher).Where(p => !p.Command.Contains(" run ", StringComparison.Ordinal)).ToList();
        Assert.True(service.Count == 1, $"expected one service process under `dotnet run` ({launcher}): {string.Join("; ", service.Select(p => $"{p.Pid}: {p.Command}"))}");
        using var process = Process.GetProcessById(service[0].Pid);
        process.Kill(); // SIGKILL
        await process.WaitForExitAsync(ct);
        return $"{service[0].Pid}: {service[0].Command}";
    }

    /// <summary>Every process below <paramref name="root"/>.</summary>
    static List<(int Pid, string Command)> Descendants(int root)
    {
        var table = AppHostProcess.Processes();
        var below = new List<(int Pid, string Command)>();
        for (var level = new HashSet<int> { root }; level.Count > 0;)
        {
            var children = table.Where(p => level.Contains(p.Parent)).ToList();
            below.AddRange(children.Select(p => (p.Pid, p.Command)));
            level = children.Select(p => p.Pid).ToHashSet();
        }
        return below;
    }

    sealed record KafkaRecord(int Partition, long Offset, byte[]? Key, byte[]? Value);

    /// <summary>Each partition of the meter topic with its low and high watermark.</summary>
    static List<(int Partition, long Low, long High)> Watermarks(string bootstrapServers)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build();
        var partitions = admin.GetMetadata(MeterTopic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions.Select(p => p.PartitionId).Order().ToList();
        using var consumer = Consumer(bootstrapServers);
        return partitions.Select(p =>
        {
            var marks = consumer.QueryWatermarkOffsets(new TopicPartition(MeterTopic, p), TimeSpan.FromSeconds(10));
            return (p, marks.Low.Value, marks.High.Value);
        }).ToList();
    }

    /// <summary>Every record of the topic up to the high-water marks, read by a client of the test's own.</summary>
    static List<KafkaRecord> ReadTopic(string bootstrapServers, List<(int Partition, long Low, long High)> partitions)
    {
        using var consumer = Consumer(bootstrapServers);
        consumer.Assign(partitions.Where(p => p.High > 0).Select(p => new TopicPartitionOffset(MeterTopic, p.Partition, 0)));
        var records = new List<KafkaRecord>();
        var expected = partitions.Sum(p => p.High);
        for (var deadline = DateTime.UtcNow + Deadline; records.Count < expected && DateTime.UtcNow < deadline;)
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } record)
                records.Add(new KafkaRecord(record.Partition.Value, record.Offset.Value, record.Message.Key, record.Message.Value));
        consumer.Close();
        return records.OrderBy(r => r.Partition).ThenBy(r => r.Offset).ToList();
    }

    static IConsumer<byte[]?, byte[]?> Consumer(string bootstrapServers) => new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig
    {
        BootstrapServers = bootstrapServers,
        GroupId = "test-" + Guid.NewGuid().ToString("N"),
        EnableAutoCommit = false,
    }).Build();

    static async Task<List<KafkaRecord>> ReadRawRecordsAsync(string postgres)
    {
        await using var connection = new NpgsqlConnection(postgres);
        await connection.OpenAsync();
        await using var read = new NpgsqlCommand("""SELECT partition, "offset", key, value FROM meters.raw_records WHERE topic = $1 ORDER BY partition, "offset" """, connection);
        read.Parameters.Add(new() { Value = MeterTopic });
        await using var reader = await read.ExecuteReaderAsync();
        var records = new List<KafkaRecord>();
        while (await reader.ReadAsync())
            records.Add(new KafkaRecord(reader.GetInt32(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : (byte[])reader[2], reader.IsDBNull(3) ? null : (byte[])reader[3]));
        return records;
    }

    /// <summary>SHA-256 over each record's position, key and value, in order.</summary>
    static string Checksum(IEnumerable<KafkaRecord> records)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var record in records)
        {
            hash.AppendData(BitConverter.GetBytes(record.Partition));
            hash.AppendData(BitConverter.GetBytes(record.Offset));
            foreach (var bytes in new[] { record.Key, record.Value })
            {
                hash.AppendData(BitConverter.GetBytes(bytes?.Length ?? -1));
                hash.AppendData(bytes ?? []);
            }
        }
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    /// <summary>A record as the cleaned grid should show it: its series, its time (Unix seconds), its value and its offset.</summary>
    static (string Series, long Time, double Value, long Offset) Measured(KafkaRecord record)
    {
        using var json = JsonDocument.Parse(record.Value!);
        var m = json.RootElement;
        return ($"{m.GetProperty("device_id").GetString()}/{m.GetProperty("signal_name").GetString()}",
            (long)m.GetProperty("t_measurement").GetDouble(), m.GetProperty("value").GetDouble(), record.Offset);
    }

    static Task<List<(string, long, long, long, long)>> CleanedSeriesAsync(string postgres) => RowsAsync(postgres, """
        SELECT device_id || '/' || signal_name, count(*), count(*) FILTER (WHERE method = 'measured'), extract(epoch FROM min(ts))::bigint, extract(epoch FROM max(ts))::bigint
        FROM meters.cleaned GROUP BY 1 ORDER BY (device_id || '/' || signal_name) COLLATE "C"
        """, r => (r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4)));

    static Task<List<(string, long, double, long)>> MeasuredPointsAsync(string postgres) => RowsAsync(postgres, """
        SELECT device_id || '/' || signal_name, extract(epoch FROM ts)::bigint, value, source_offset
        FROM meters.cleaned WHERE method = 'measured' ORDER BY (device_id || '/' || signal_name) COLLATE "C", ts
        """, r => (r.GetString(0), r.GetInt64(1), r.GetDouble(2), r.GetInt64(3)));

    static async Task<List<T>> RowsAsync<T>(string postgres, string sql, Func<NpgsqlDataReader, T> row)
    {
        await using var connection = new NpgsqlConnection(postgres);
        await connection.OpenAsync();
        await using var read = new NpgsqlCommand(sql, connection);
        await using var reader = await read.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync()) rows.Add(row(reader));
        return rows;
    }
}
