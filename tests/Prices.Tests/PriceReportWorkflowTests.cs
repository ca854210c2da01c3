using System.Text;
using Confluent.Kafka;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using ServiceDefaults;
using ServiceDefaults.Lake;
using ServiceDefaults.Postgres;
using Temporalio.Client;
using TestSupport;
using Workers.Prices;
using Workers.Storage;
using Workflows.Prices;

namespace Prices.Tests;

/// <summary>
/// Real PostgreSQL, a Kafka-protocol broker, moto's S3 and the built TemporalServer; the price report's worker
/// registered in a host exactly as Workers registers it (<see cref="PriceReportRegistration.AddPriceReports"/>).
/// </summary>
public sealed class PriceReportInfrastructure : IAsyncLifetime
{
    public PostgresFixture Postgres { get; } = new();
    public KafkaFixture Kafka { get; } = new();
    public S3Fixture S3 { get; } = new();
    public TemporalServerFixture Temporal { get; private set; } = null!;
    public ITemporalClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Task.WhenAll(Postgres.InitializeAsync(), S3.InitializeAsync());
        Temporal = await TemporalServerFixture.StartAsync(await Postgres.CreateDatabaseAsync("temporal"));
        Client = await TemporalClient.ConnectAsync(new(Temporal.Target));
    }

    /// <summary>A started host with the price report's worker on a fresh database (its schema applied), with extra <paramref name="settings"/>.</summary>
    public async Task<(WebApplication Host, NpgsqlDataSource Database)> StartWorkerAsync(Dictionary<string, string?> settings)
    {
        var database = await Postgres.CreateDatabaseAsync("prices");
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0"); // any free port: nothing here is served over HTTP
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:postgres"] = database,
            ["ConnectionStrings:kafka"] = Kafka.BootstrapServers,
            ["ConnectionStrings:temporal"] = Temporal.Target,
            ["ConnectionStrings:lake"] = S3.ConnectionString,
            ["Prices:ReportSchedule:Enabled"] = "false",
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddServiceDefaults();
        builder.AddPostgres("postgres");
        builder.AddLake("lake");
        builder.AddPriceReports();
        var host = builder.Build();
        var dataSource = host.Services.GetRequiredService<NpgsqlDataSource>();
        await PipelineSchema.ApplyAsync(dataSource, CancellationToken.None);
        await host.StartAsync();
        return (host, dataSource);
    }

    public async Task DisposeAsync()
    {
        Kafka.Dispose();
        if (Temporal is not null) await Temporal.DisposeAsync();
        await Task.WhenAll(Postgres.DisposeAsync(), S3.DisposeAsync());
    }
}

public sealed class PriceReportWorkflowTests(PriceReportInfrastructure infrastructure) : IClassFixture<PriceReportInfrastructure>, IAsyncLifetime
{
    WebApplication _host = null!;
    NpgsqlDataSource _database = null!;
    (IReadOnlyList<PriceTick> Ticks, IReadOnlyList<PriceTick> Injected) _generated;

    public async Task InitializeAsync()
    {
        (_host, _database) = await infrastructure.StartWorkerAsync([]);
    }

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        await _host.DisposeAsync();
    }

    /// <summary>A topic of 5,000 generated ticks with 4 injected outliers, then 2 messages that are not ticks.</summary>
    async Task<string> TopicAsync(string name)
    {
        infrastructure.Kafka.CreateTopic(name, 4);
        _generated = PriceGenerator.Generate(new PriceGenerationOptions { Count = 5_000, Outliers = 4, Seed = 31 });
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = infrastructure.Kafka.BootstrapServers, EnableIdempotence = true }).Build();
        await PriceTickProducer.ProduceAsync(producer, name, _generated.Ticks, CancellationToken.None);
        await producer.ProduceAsync(name, new() { Key = "bad", Value = """{"ts": "2024-01-01 00:00:00.000", "symbol": "AAPL", "price": "190.5"}""" });
        await producer.ProduceAsync(name, new() { Key = "bad", Value = """{"ts": "2024-01-01 00:00:00.000", "symbol": "AAPL", "price": NaN}""" });
        return name;
    }

    async Task<PriceReportSummary> RunAsync(string topic, string reportId)
    {
        var summary = await infrastructure.Client.ExecuteWorkflowAsync((PriceReportWorkflow w) => w.RunAsync(new PriceReportRequest { Topic = topic }),
            new WorkflowOptions(reportId, PriceReportWorkflow.TaskQueue) { ExecutionTimeout = TimeSpan.FromMinutes(2) });
        await RecordedHistories.SaveIfRecordingAsync(infrastructure.Client, reportId, "price-report");
        return summary;
    }

    async Task<List<object[]>> RowsAsync(string sql, string reportId)
    {
        await using var command = _database.CreateCommand(sql);
        command.Parameters.Add(new() { Value = reportId });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object[]>();
        while (await reader.ReadAsync())
        {
            var row = new object[reader.FieldCount];
            reader.GetValues(row);
            rows.Add(row);
        }
        return rows;
    }

    [Fact]
    public async Task The_workflow_stores_the_counts_statistics_outliers_and_rejections_of_the_topic()
    {
        var topic = await TopicAsync("prices-workflow");

        var summary = await RunAsync(topic, "prices-report-test-1");

        Assert.Equal(new PriceReportSummary("prices-report-test-1", 5_000, 5, 4, 2) { Manifest = "prices/reports/report=prices-report-test-1/manifest.json" }, summary);
        var report = Assert.Single(await RowsAsync("SELECT topic, threshold, tick_count, rejected_count, outlier_count, z_score_basis FROM pipeline.price_reports WHERE report_id = $1", "prices-report-test-1"));
        Assert.Equal([topic, 3.0, 5_000L, 2L, 4, PriceReport.Basis], report);
        var symbols = await RowsAsync("SELECT symbol, tick_count, min_price, max_price, mean_price, stddev_price FROM pipeline.price_report_symbols WHERE report_id = $1 ORDER BY symbol", "prices-report-test-1");
        Assert.Equal(5, symbols.Count);
        foreach (var row in symbols)
        {
            var prices = _generated.Ticks.Where(t => t.Symbol == (string)row[0]).Select(t => t.Price).ToArray();
            var mean = prices.Sum() / prices.Length;
            Assert.Equal((long)prices.Length, row[1]);
            Assert.Equal((prices.Min(), prices.Max()), ((double)row[2], (double)row[3]));
            Assert.Equal(mean, (double)row[4], 9);
            Assert.Equal(Math.Sqrt(prices.Sum(p => (p - mean) * (p - mean)) / (prices.Length - 1)), (double)row[5], 9);
        }
        var outliers = await RowsAsync("SELECT ts, symbol, price FROM pipeline.price_report_outliers WHERE report_id = $1", "prices-report-test-1");
        Assert.Equal(_generated.Injected.Select(t => (t.Ts, t.Symbol, t.Price)).Order(), outliers.Select(o => (((DateTime)o[0]).ToUniversalTime(), (string)o[1], (double)o[2])).Order());
        var rejects = await RowsAsync("SELECT reason, payload FROM pipeline.price_report_rejects WHERE report_id = $1 ORDER BY ordinal", "prices-report-test-1");
        Assert.Equal(["'price' is the string \"190.5\", expected a number", "NaN is not a number JSON allows (a price must be finite)"], rejects.Select(r => (string)r[0]));
        Assert.Contains("\"price\": NaN", (string)rejects[1][1]);
    }

    [Fact]
    public async Task Running_a_report_again_under_its_id_replaces_it_instead_of_adding_rows()
    {
        var topic = await TopicAsync("prices-rerun");

        await RunAsync(topic, "prices-report-test-2");
        await RunAsync(topic, "prices-report-test-2");

        var counts = Assert.Single(await RowsAsync("""
            SELECT (SELECT count(*) FROM pipeline.price_reports WHERE report_id = $1), (SELECT count(*) FROM pipeline.price_report_symbols WHERE report_id = $1),
                   (SELECT count(*) FROM pipeline.price_report_outliers WHERE report_id = $1), (SELECT count(*) FROM pipeline.price_report_rejects WHERE report_id = $1)
            """, "prices-report-test-2"));
        Assert.Equal([1L, 5L, 4L, 2L], counts);
    }

    /// <summary>Every object under the report's prefix, downloaded into <paramref name="directory"/> under its key; returns key → SHA-256.</summary>
    async Task<Dictionary<string, string>> DownloadExportAsync(string reportId, string directory)
    {
        var lake = _host.Services.GetRequiredService<Lake>();
        var listing = await lake.Client.ListObjectsV2Async(new() { BucketName = lake.Bucket, Prefix = PriceReportLake.Prefix(reportId) + "/" });
        var objects = new Dictionary<string, string>();
        foreach (var o in listing.S3Objects ?? [])
        {
            var path = Path.Combine(directory, o.Key);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using (var get = await lake.Client.GetObjectAsync(lake.Bucket, o.Key))
            await using (var file = File.Create(path))
                await get.ResponseStream.CopyToAsync(file);
            objects[o.Key] = IndependentParquetReader.Sha256(path);
        }
        return objects;
    }

    [Fact]
    public async Task The_export_holds_the_ticks_by_day_and_symbol_and_the_stored_report_as_an_independent_reader_finds_them()
    {
        var topic = await TopicAsync("prices-export");
        const string id = "prices-report-test-3";
        var directory = Directory.CreateTempSubdirectory("prices-export-").FullName;
        try
        {
            await RunAsync(topic, id);
            var objects = await DownloadExportAsync(id, directory);

            // the manifest lists every other object, with the rows, bytes and checksum of what was uploaded
            var prefix = PriceReportLake.Prefix(id);
            var manifest = System.Text.Json.JsonSerializer.Deserialize<PriceLakeManifest>(await File.ReadAllTextAsync(Path.Combine(directory, PriceReportLake.ManifestKey(id))), PriceReportLake.Json)!;
            Assert.Equal((id, topic, 5_000L), (manifest.ReportId, manifest.Topic, manifest.Ticks));
            Assert.Equal(objects.Keys.Where(k => !k.EndsWith("manifest.json", StringComparison.Ordinal)).Order(), manifest.Files.Select(f => f.Path).Order());
            using var duck = new IndependentParquetReader();
            foreach (var file in manifest.Files)
            {
                var path = Path.Combine(directory, file.Path);
                Assert.Equal((objects[file.Path], new FileInfo(path).Length, duck.Summarize(path).Rows), (file.Sha256, file.Bytes, file.Rows));
            }
            // 5 symbols on one day (the generator's 5,000 ticks span 21 minutes)
            Assert.Equal(["AAPL", "AMZN", "GOOG", "MSFT", "TSLA"], manifest.Files.Where(f => f.Path.Contains("/ticks/", StringComparison.Ordinal))
                .Select(f => f.Path).Select(p => p[(p.IndexOf("/ticks/day=2024-01-01/symbol=", StringComparison.Ordinal) + 29)..^"/ticks.parquet".Length]));

            // the ticks are the produced ones, each in its day's and symbol's file, once per topic position (ts read as
            // UTC microseconds: DuckDB would show a TIMESTAMPTZ in its session's time zone)
            var ticks = $"(SELECT *, make_timestamp(epoch_us(ts)) AS utc FROM read_parquet('{directory}/{prefix}/ticks/*/*/*.parquet', hive_partitioning = false, filename = true))";
            var read = duck.Rows($"SELECT utc, symbol, price FROM {ticks}").Select(r => ((DateTime)r[0]!, (string)r[1]!, (double)r[2]!)).Order().ToList();
            Assert.Equal(_generated.Ticks.Select(t => (t.Ts, t.Symbol, t.Price)).Order(), read);
            Assert.Equal(0L, duck.Rows($"SELECT count(*) FROM {ticks} WHERE filename NOT LIKE '%/day=' || strftime(utc, '%Y-%m-%d') || '/symbol=' || symbol || '/ticks.parquet'")[0][0]);
            Assert.Equal(5_000L, duck.Rows($"SELECT count(DISTINCT (partition, \"offset\")) FROM {ticks}")[0][0]);

            // statistics over the exported ticks equal the stored report's, and statistics.parquet is those rows
            var stored = await RowsAsync("SELECT symbol, tick_count, min_price, max_price, mean_price, stddev_price, outlier_count FROM pipeline.price_report_symbols WHERE report_id = $1 ORDER BY symbol", id);
            var computed = duck.Rows($"SELECT symbol, count(*), min(price), max(price), avg(price), stddev_samp(price) FROM {ticks} GROUP BY symbol ORDER BY symbol");
            Assert.Equal(stored.Select(r => (r[0], r[1], r[2], r[3])), computed.Select(r => (r[0]!, (object)(long)r[1]!, r[2]!, r[3]!)));
            Assert.All(stored.Zip(computed), p =>
            {
                Assert.Equal((double)p.First[4], (double)p.Second[4]!, 9);
                Assert.Equal((double)p.First[5], (double)p.Second[5]!, 9);
            });
            static (string, long, double, double, double, double, long) Statistics(object?[] r) =>
                ((string)r[0]!, Convert.ToInt64(r[1]), (double)r[2]!, (double)r[3]!, (double)r[4]!, (double)r[5]!, Convert.ToInt64(r[6]));
            Assert.Equal(stored.Select(Statistics), duck.Rows($"SELECT * FROM read_parquet('{directory}/{prefix}/statistics/statistics.parquet') ORDER BY symbol").Select(Statistics));

            // the outliers file holds the stored outliers in rank order
            var outliers = await RowsAsync("SELECT ordinal, ts, symbol, price, z_score FROM pipeline.price_report_outliers WHERE report_id = $1 ORDER BY ordinal", id);
            Assert.Equal(4, outliers.Count);
            Assert.Equal(outliers.Select(r => ((int)r[0], ((DateTime)r[1]).ToUniversalTime(), (string)r[2], (double)r[3], (double)r[4])),
                duck.Rows($"SELECT rank, make_timestamp(epoch_us(ts)), symbol, price, z_score FROM read_parquet('{directory}/{prefix}/outliers/*/*.parquet') ORDER BY rank")
                    .Select(r => ((int)r[0]!, (DateTime)r[1]!, (string)r[2]!, (double)r[3]!, (double)r[4]!)));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Exporting_a_report_again_writes_the_same_objects_and_nothing_more()
    {
        var topic = await TopicAsync("prices-export-again");
        const string id = "prices-report-test-4";
        var first = Directory.CreateTempSubdirectory("prices-export-").FullName;
        var second = Directory.CreateTempSubdirectory("prices-export-").FullName;
        try
        {
            await RunAsync(topic, id);
            var before = await DownloadExportAsync(id, first);
            await RunAsync(topic, id);
            var after = await DownloadExportAsync(id, second);

            Assert.Equal(5 + 1 + 1 + 1, before.Count); // ticks of 5 symbols on one day, one day of outliers, statistics, manifest
            Assert.Equal(before.OrderBy(o => o.Key, StringComparer.Ordinal), after.OrderBy(o => o.Key, StringComparer.Ordinal));
        }
        finally
        {
            Directory.Delete(first, recursive: true);
            Directory.Delete(second, recursive: true);
        }
    }

    [Fact]
    public async Task The_schedule_runs_the_report_by_itself()
    {
        await TopicAsync("prices");
        var (host, database) = await infrastructure.StartWorkerAsync(new() { ["Prices:ReportSchedule:Enabled"] = "true", ["Prices:ReportSchedule:Every"] = "00:00:02" });
        try
        {
            long? ticks = null;
            for (var deadline = DateTime.UtcNow.AddSeconds(60); ticks is null && DateTime.UtcNow < deadline; await Task.Delay(500))
            {
                await using var command = database.CreateCommand($"SELECT tick_count FROM pipeline.price_reports WHERE report_id LIKE '{PriceReportWorkflow.IdPrefix}-%' LIMIT 1");
                ticks = (long?)await command.ExecuteScalarAsync();
            }
            Assert.Equal(5_000, ticks);
        }
        finally
        {
            await infrastructure.Client.GetScheduleHandle(PriceReportSchedule.ScheduleId).DeleteAsync();
            await host.StopAsync();
            await host.DisposeAsync();
        }
    }
}
