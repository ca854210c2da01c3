using System.Text.Json;

namespace AppHost.Tests;

/// <summary>
/// One graph as <c>./run.sh</c> runs it (dashboard included, every port free), shared by the tests that only read
/// from it: fed trades have reached PostgreSQL and one backfill of the feed's day ran through Web and Temporal.
/// </summary>
public sealed class RunningGraph : IAsyncLifetime
{
    readonly string _data = PipelineRuns.NewDataDirectory();

    public AppHostProcess Host { get; private set; } = null!;

    /// <summary>The backfill's run as Web lists it (<c>/api/pipeline/runs</c>).</summary>
    public JsonElement Backfill { get; private set; }

    public async Task InitializeAsync()
    {
        Host = await AppHostProcess.StartAsync(PipelineRuns.AppHostArguments(_data));
        var stored = await PipelineRuns.EventuallyAsync(() => PipelineRuns.CountAsync(Host.Postgres, "SELECT count(*) FROM pipeline.trades"), n => n > 0, TimeSpan.FromSeconds(90));
        Assert.True(stored > 0, "no fed trade reached PostgreSQL");
        using var web = new HttpClient { BaseAddress = Host.Urls["web"], Timeout = TimeSpan.FromSeconds(30) };
        Backfill = await PipelineRuns.BackfillFeedDayAsync(web);
    }

    public async Task DisposeAsync()
    {
        if (Host is not null) await Host.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class RunningGraphCollection : ICollectionFixture<RunningGraph>
{
    public const string Name = "running graph";
}
