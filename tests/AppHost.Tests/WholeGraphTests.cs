using System.Text.RegularExpressions;
using Amazon.S3.Model;
using ServiceDefaults.Lake;

namespace AppHost.Tests;

/// <summary>The real AppHost under Aspire.Hosting.Testing: every resource, the real servers, the real services.</summary>
public sealed partial class WholeGraphTests : IAsyncLifetime
{
    static readonly string[] Resources = ["postgres", "kafka", "lake", "temporal", "feeds", "workers", "web"];
    TestingGraph? _graph;

    public async Task InitializeAsync() => _graph = await TestingGraph.StartAsync();

    [Fact]
    public async Task Every_resource_becomes_healthy_and_fed_trades_reach_postgresql_and_the_lake()
    {
        var app = _graph!.App;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        foreach (var resource in Resources) await app.ResourceNotifications.WaitForResourceHealthyAsync(resource, timeout.Token);

        // Feeds' WebSocket -> Workers -> Kafka -> Workers -> PostgreSQL
        var postgres = (await app.GetConnectionStringAsync("postgres", timeout.Token))!;
        Assert.Contains("Database=pipeline", postgres);
        var trades = await PipelineRuns.EventuallyAsync(() => PipelineRuns.CountAsync(postgres, "SELECT count(*) FROM pipeline.trades"), n => n > 0, TimeSpan.FromSeconds(90));
        Assert.True(trades > 0, "no fed trade reached pipeline.trades");

        // A backfill started through Web runs on Temporal (our TemporalServer) and exports Parquet to the lake bucket.
        using var web = app.CreateHttpClient("web");
        var run = await PipelineRuns.BackfillFeedDayAsync(web);
        var lake = LakeConnection.Parse((await app.GetConnectionStringAsync("lake", timeout.Token))!);
        Assert.Equal("energy-lake", lake.Bucket);
        using var s3 = lake.CreateClient();
        var objects = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = lake.Bucket }, timeout.Token);
        Assert.Contains(objects.S3Objects ?? [], o => o.Key.EndsWith(".parquet", StringComparison.Ordinal) && o.Size > 0);

        // The consoles the dashboard shows: Workers say what each window did; the S3 server's is not its health probes.
        var window = run.GetProperty("workflowId").GetString();
        var workers = await _graph.ConsoleAsync("workers", timeout.Token);
        Assert.Contains(workers, line => WindowLine().Match(line) is { Success: true } m && m.Groups[1].Value == window && m.Groups[2].Value == "1");
        var s3Console = await _graph.ConsoleAsync("lake", timeout.Token);
        Assert.Contains(s3Console, line => line.Contains("\"PUT /energy-lake/", StringComparison.Ordinal)); // the export's uploads are there
        Assert.DoesNotContain(s3Console, line => HealthProbe().IsMatch(line));
    }

    [GeneratedRegex(@"pipeline window (\S+): (\d+) partitions, \d+ trades, \d+ products, \d+ anomalies, \d+ files")]
    private static partial Regex WindowLine();

    /// <summary>moto's access-log line of a successful health probe: the AppHost's HEAD of the bucket, the services' one-key listing.</summary>
    [GeneratedRegex(@"""(HEAD /energy-lake|GET /energy-lake/\?list-type=2&max-keys=1) HTTP/1\.1"" 2\d\d")]
    private static partial Regex HealthProbe();

    public async Task DisposeAsync()
    {
        if (_graph is not null) await _graph.DisposeAsync();
    }
}
