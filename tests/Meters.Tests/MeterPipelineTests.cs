using System.Text;
using System.Text.Json;
using Amazon.S3.Model;
using Meters.Capture;
using Meters.Storage;
using Npgsql;
using ServiceDefaults.Lake;
using Temporalio.Client;
using TestSupport;
using Workflows.Meters;

namespace Meters.Tests;

/// <summary>The meter workflow on Temporal, run by a real Workers process against PostgreSQL and S3.</summary>
[Collection("meters")]
public sealed class MeterPipelineTests(MetersInfrastructure infrastructure)
{
    static readonly string Capture = Path.Combine(AppContext.BaseDirectory, "Data", "consumer_data.snappy.parquet");

    [Fact]
    public async Task The_real_capture_runs_through_process_clean_check_and_export_and_a_second_run_changes_nothing()
    {
        using var kafka = new KafkaFixture();
        var env = await infrastructure.EnvironmentAsync("meters_capture", kafka);
        await using var workers = await ServiceProcess.StartAsync("Workers", env);
        await using var db = new MeterDatabase(env["ConnectionStrings__postgres"]);
        await StoreAsync(db.DataSource, await ParquetCapture.ReadAsync(Capture));
        var client = await infrastructure.ConnectTemporalAsync();

        var report = await RunAsync(client, workers, "meters-capture-1");

        Assert.Equal((5_851, 3_198, 0, 4, false), (report.Records, report.Measurements, report.Quarantined, report.Windows, report.RunFailed));
        Assert.Equal([("device123", 2_653L)], await db.RowsAsync<string, long>("SELECT device_id, count(*) FROM meters.measurements WHERE NOT known GROUP BY 1"));
        Assert.Equal([("device1/energy export", 817L), ("device1/energy import", 805L), ("device2/energy export", 790L), ("device2/energy import", 786L)],
            await db.RowsAsync<string, long>("SELECT device_id || '/' || signal_name, count(*) FROM meters.measurements WHERE known GROUP BY 1 ORDER BY 1"));
        var cleaned = await CleanedAsync(db);
        Assert.Equal([1_273L, 1_273L, 1_273L, 1_272L], cleaned.Select(c => c.Points));
        Assert.All(cleaned, c => Assert.Equal((c.Points - 1) * 10, c.SpanSeconds)); // gap-free 10 s grid, one row per timestamp (primary key)
        Assert.Equal(3_198L, cleaned.Sum(c => c.Measured));
        Assert.Equal((false, 2_653L), (await db.ScalarAsync<bool>("SELECT passed FROM meters.check_results WHERE run_id = 'meters-capture-1' AND check_name = 'unknown-series'"),
            await db.ScalarAsync<long>("SELECT count FROM meters.check_results WHERE run_id = 'meters-capture-1' AND check_name = 'unknown-series'")));
        Assert.Equal("succeeded", await db.ScalarAsync<string>("SELECT status FROM meters.runs WHERE run_id = 'meters-capture-1'"));

        // The lake: one partition per device for 2024-05-23, each file's rows as the database has them.
        var lake = LakeConnection.Parse(env["ConnectionStrings__lake"]);
        using var s3 = lake.CreateClient();
        var manifest = await ReadJsonAsync(s3, lake.Bucket, "meters/manifests/day=2024-05-23/device=device1/manifest.json");
        var rows = manifest.GetProperty("files").EnumerateArray().ToDictionary(f => f.GetProperty("path").GetString()!, f => f.GetProperty("rows").GetInt64());
        Assert.Equal(new Dictionary<string, long>
        {
            ["meters/raw/day=2024-05-23/device=device1/raw.parquet"] = 1_622,
            ["meters/processed/day=2024-05-23/device=device1/processed.parquet"] = 1_622,
            ["meters/cleaned/day=2024-05-23/device=device1/cleaned.parquet"] = 2_546,
        }, rows);
        using (var reader = new IndependentParquetReader())
        {
            var local = Path.Combine(Path.GetTempPath(), Guid.NewGuid() + ".parquet");
            using (var get = await s3.GetObjectAsync(lake.Bucket, "meters/cleaned/day=2024-05-23/device=device1/cleaned.parquet"))
                await get.WriteResponseStreamToFileAsync(local, append: false, CancellationToken.None);
            var summary = reader.Summarize(local);
            Assert.Equal(2_546, summary.Rows);
            Assert.Equal(await db.ScalarAsync<double>("SELECT sum(value) FROM meters.cleaned WHERE device_id = 'device1'"), (double)summary.Sums["value"], 6);
            File.Delete(local);
        }
        var keys = await ListKeysAsync(s3, lake.Bucket);
        Assert.Equal(8, keys.Count(k => k.StartsWith("meters/", StringComparison.Ordinal)));

        // A second run finds nothing new: no measurement, cleaned row or object is added or changed.
        var again = await RunAsync(client, workers, "meters-capture-2");
        Assert.Equal((0, 0), (again.Records, again.Windows));
        Assert.Equal(cleaned, await CleanedAsync(db));
        Assert.Equal(keys, await ListKeysAsync(s3, lake.Bucket));
    }

    [Fact]
    public async Task A_late_observation_replaces_the_filled_value_on_the_next_run_and_bad_records_are_quarantined_with_their_reason()
    {
        using var kafka = new KafkaFixture();
        var env = await infrastructure.EnvironmentAsync("meters_late", kafka);
        await using var workers = await ServiceProcess.StartAsync("Workers", env);
        await using var db = new MeterDatabase(env["ConnectionStrings__postgres"]);
        var t0 = 1_716_451_200.0; // 2024-05-23 08:00:00 UTC
        await StoreAsync(db.DataSource, [Record(0, Message(t0, 60)), Record(1, Message(t0 + 60, 66))]);
        var client = await infrastructure.ConnectTemporalAsync();

        await RunAsync(client, workers, "meters-late-1");
        Assert.Equal(62.0, await db.ScalarAsync<double>("SELECT value FROM meters.cleaned WHERE ts = '2024-05-23 08:00:20Z'"), 9);
        Assert.Equal("linear", await db.ScalarAsync<string>("SELECT method FROM meters.cleaned WHERE ts = '2024-05-23 08:00:20Z'"));

        await StoreAsync(db.DataSource,
        [
            Record(2, Message(t0 + 21, 55)), // late, 1 s off the grid
            Record(3, Encoding.UTF8.GetBytes("{\"t_measurement\": 1716451230, \"t_report\"")),
            Record(4, Encoding.UTF8.GetBytes("""{"t_measurement": 1716451230, "device_id": "device1", "signal_name": "energy export", "value": 61}""")),
            Record(5, Encoding.UTF8.GetBytes("""{"t_measurement": 1716451230, "t_report": 1716451220, "device_id": "device1", "signal_name": "energy export", "value": "61"}""")),
            Record(6, Encoding.UTF8.GetBytes("""{"t_measurement": 1716451230, "t_report": 1716451220, "device_id": "device1", "signal_name": "energy export", "value": NaN}""")),
            Record(7, Encoding.UTF8.GetBytes("""{"t_measurement": 1716451230, "t_report": 1716451220, "device_id": "device1", "signal_name": "energy export", "value": 1e400}""")),
        ]);
        var report = await RunAsync(client, workers, "meters-late-2");

        Assert.Equal((6, 1, 5), (report.Records, report.Measurements, report.Quarantined));
        Assert.Equal((55.0, "measured", 2L), (
            await db.ScalarAsync<double>("SELECT value FROM meters.cleaned WHERE ts = '2024-05-23 08:00:20Z'"),
            await db.ScalarAsync<string>("SELECT method FROM meters.cleaned WHERE ts = '2024-05-23 08:00:20Z'"),
            await db.ScalarAsync<long>("SELECT source_offset FROM meters.cleaned WHERE ts = '2024-05-23 08:00:20Z'")));
        Assert.Equal(57.75, await db.ScalarAsync<double>("SELECT value FROM meters.cleaned WHERE ts = '2024-05-23 08:00:30Z'"), 9);
        Assert.Equal(7L, await db.ScalarAsync<long>("SELECT count(*) FROM meters.cleaned"));
        var reasons = await db.RowsAsync<long, string>("SELECT \"offset\", reason FROM meters.quarantine ORDER BY 1");
        Assert.Equal([3L, 4, 5, 6, 7], reasons.Select(r => r.Item1));
        Assert.StartsWith("malformed JSON", reasons[0].Item2);
        Assert.Equal("missing field(s) 't_report'", reasons[1].Item2);
        Assert.Equal("'value' is the string \"61\", expected a number", reasons[2].Item2);
        Assert.StartsWith("malformed JSON", reasons[3].Item2); // NaN is not JSON
        Assert.Equal("'value' is out of range for a double", reasons[4].Item2);
        Assert.Equal("{\"t_measurement\": 1716451230, \"t_report\"", Encoding.UTF8.GetString(await db.ScalarAsync<byte[]>("SELECT value FROM meters.quarantine WHERE \"offset\" = 3")));
        Assert.Equal((false, 5L), (await db.ScalarAsync<bool>("SELECT passed FROM meters.check_results WHERE run_id = 'meters-late-2' AND check_name = 'parse'"),
            await db.ScalarAsync<long>("SELECT count FROM meters.check_results WHERE run_id = 'meters-late-2' AND check_name = 'parse'")));
    }

    [Fact]
    public async Task A_value_out_of_range_fails_an_error_level_check_and_marks_the_run_failed()
    {
        using var kafka = new KafkaFixture();
        var env = await infrastructure.EnvironmentAsync("meters_range", kafka);
        await using var workers = await ServiceProcess.StartAsync("Workers", env);
        await using var db = new MeterDatabase(env["ConnectionStrings__postgres"]);
        await StoreAsync(db.DataSource, [Record(0, Message(1_716_451_200, 60)), Record(1, Message(1_716_451_210, 95))]);

        var report = await RunAsync(await infrastructure.ConnectTemporalAsync(), workers, "meters-range-1");

        Assert.True(report.RunFailed);
        Assert.Equal("failed", await db.ScalarAsync<string>("SELECT status FROM meters.runs WHERE run_id = 'meters-range-1'"));
        Assert.Equal(("error", 1L), (await db.ScalarAsync<string>("SELECT severity FROM meters.check_results WHERE run_id = 'meters-range-1' AND check_name = 'value-range'"),
            await db.ScalarAsync<long>("SELECT count FROM meters.check_results WHERE run_id = 'meters-range-1' AND check_name = 'value-range' AND NOT passed")));
    }

    /// <summary>Runs the workflow to its end; a run that does not finish in time fails the test with the Workers' output.</summary>
    internal static async Task<MeterPipelineReport> RunAsync(TemporalClient client, ServiceProcess workers, string id, MeterPipelineRequest? request = null)
    {
        try
        {
            var report = await client.ExecuteWorkflowAsync((MeterPipelineWorkflow w) => w.RunAsync(request ?? MeterPipelineRequest.Live()),
                new WorkflowOptions(id, MeterPipelineWorkflow.TaskQueue) { ExecutionTimeout = TimeSpan.FromMinutes(3) });
            await RecordedHistories.SaveIfRecordingAsync(client, id, "meter-pipeline");
            return report;
        }
        catch (Temporalio.Exceptions.WorkflowFailedException e)
        {
            throw new InvalidOperationException($"workflow {id} failed: {e.InnerException?.Message}\n{workers.Output}", e);
        }
    }

    static byte[] Message(double tMeasurement, double value) =>
        Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new MeterMessage(tMeasurement, tMeasurement - 10, "device1", "energy export", value)));

    static RawRecord Record(long offset, byte[] value) => new("test.meters", 0, offset, null, value, null, KafkaTimestampType.NotAvailable);

    internal static async Task StoreAsync(NpgsqlDataSource dataSource, IReadOnlyList<RawRecord> records)
    {
        // Workers create the schema at start: the process is up, so the table exists.
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await RawRecordStore.StoreAsync(connection, tx, "test", records, CancellationToken.None);
        await tx.CommitAsync();
    }

    internal sealed record CleanedSeriesSummary(string Series, long Points, long Measured, double SpanSeconds, double Sum);

    internal static async Task<List<CleanedSeriesSummary>> CleanedAsync(MeterDatabase db)
    {
        await using var command = db.DataSource.CreateCommand("""
            SELECT device_id || '/' || signal_name, count(*), count(*) FILTER (WHERE method = 'measured'), extract(epoch FROM max(ts) - min(ts))::float8, sum(value)
            FROM meters.cleaned GROUP BY 1 ORDER BY 1
            """);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<CleanedSeriesSummary>();
        while (await reader.ReadAsync()) rows.Add(new(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetDouble(3), Math.Round(reader.GetDouble(4), 6)));
        return rows;
    }

    static async Task<JsonElement> ReadJsonAsync(Amazon.S3.IAmazonS3 s3, string bucket, string key)
    {
        using var response = await s3.GetObjectAsync(bucket, key);
        using var document = await JsonDocument.ParseAsync(response.ResponseStream);
        return document.RootElement.Clone();
    }

    static async Task<List<string>> ListKeysAsync(Amazon.S3.IAmazonS3 s3, string bucket)
    {
        var listing = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = "meters/" });
        return (listing.S3Objects ?? []).Select(o => $"{o.Key} {o.ETag}").Order(StringComparer.Ordinal).ToList();
    }
}
