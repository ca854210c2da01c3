using Amazon.S3.Model;
using Aspire.Hosting;
using ServiceDefaults.Lake;

namespace AppHost.Tests;

/// <summary>The real AppHost under Aspire.Hosting.Testing: every resource, the real servers, the real services.</summary>
public sealed class WholeGraphTests : IAsyncLifetime
{
    static readonly string[] Resources = ["postgres", "kafka", "lake", "temporal", "feeds", "workers", "web"];
    readonly string _data = PipelineRuns.NewDataDirectory();
    DistributedApplication? _app;

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(PipelineRuns.AppHostArguments(_data), timeout.Token);
        _app = await builder.BuildAsync(timeout.Token);
        await _app.StartAsync(timeout.Token);
    }

    [Fact]
    public async Task Every_resource_becomes_healthy_and_fed_trades_reach_postgresql_and_the_lake()
    {
        var app = _app!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        foreach (var resource in Resources) await app.ResourceNotifications.WaitForResourceHealthyAsync(resource, timeout.Token);

        // Feeds' WebSocket -> Workers -> Kafka -> Workers -> PostgreSQL
        var postgres = (await app.GetConnectionStringAsync("postgres", timeout.Token))!;
        Assert.Contains("Database=pipeline", postgres);
        var trades = await PipelineRuns.EventuallyAsync(() => PipelineRuns.CountAsync(postgres, "SELECT count(*) FROM pipeline.trades"), n => n > 0, TimeSpan.FromSeconds(90));
        Assert.True(trades > 0, "no fed trade reached pipeline.trades");

        // A backfill started through Web runs on Temporal (our TemporalServer) and exports Parquet to the lake bucket.
        using var web = app.CreateHttpClient("web");
        await PipelineRuns.BackfillFeedDayAsync(web);
        var lake = LakeConnection.Parse((await app.GetConnectionStringAsync("lake", timeout.Token))!);
        Assert.Equal("energy-lake", lake.Bucket);
        using var s3 = lake.CreateClient();
        var objects = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = lake.Bucket }, timeout.Token);
        Assert.Contains(objects.S3Objects ?? [], o => o.Key.EndsWith(".parquet", StringComparison.Ordinal) && o.Size > 0);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }
}
