using Grid.EnergyCharts;
using Grid.Lake;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ServiceDefaults.Lake;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;
using TestSupport;
using Workers.Grid;
using Workflows;
using Workflows.Grid;

namespace Grid.Tests;

/// <summary>The backfill workflow on our Temporal server, its activities fetching from the stand-in into PostgreSQL and exporting to S3 (moto).</summary>
[Collection(GridDatabaseCollection.Name)]
public sealed class GridIngestWorkflowTests(GridDatabase database, StandInFixture standIn, S3Fixture s3) : IClassFixture<StandInFixture>, IClassFixture<S3Fixture>, IAsyncLifetime
{
    TemporalServerFixture _temporal = null!;
    ITemporalClient _client = null!;

    public async Task InitializeAsync()
    {
        await using var temporalDatabase = await database.CreateAsync();
        _temporal = await TemporalServerFixture.StartAsync(temporalDatabase.ConnectionString);
        _client = await TemporalClient.ConnectAsync(new(_temporal.Target));
    }

    public async Task DisposeAsync() => await _temporal.DisposeAsync();

    [Fact]
    public void A_range_is_fetched_in_chunks_of_at_most_31_days_and_a_schedule_run_covers_the_recent_days()
    {
        var backfill = GridIngestWorkflow.Plan(new() { Dataset = "public_power", Area = "de", FirstDay = new(2025, 1, 1), LastDay = new(2025, 3, 5) }, new(2026, 1, 1));
        var scheduled = GridIngestWorkflow.Plan(new() { Dataset = "price", Area = "DE-LU", RecentDays = 3 }, new(2025, 12, 3));

        Assert.Equal([(new DateOnly(2025, 1, 1), new DateOnly(2025, 1, 31)), (new(2025, 2, 1), new(2025, 3, 3)), (new(2025, 3, 4), new(2025, 3, 5))],
            backfill.Select(f => (f.FirstDay!.Value, f.LastDay!.Value)));
        Assert.Equal([new GridFetch("price", "DE-LU", new(2025, 12, 2), new(2025, 12, 4))], scheduled); // up to tomorrow's day-ahead prices
    }

    [Fact]
    public async Task A_backfill_ingests_every_day_once_and_a_second_run_changes_nothing()
    {
        await using var dataSource = await database.CreateAsync();
        var request = new GridIngestRequest { Dataset = "public_power", Area = "de", FirstDay = new(2025, 10, 20), LastDay = new(2025, 12, 3) };

        var first = await RunAsync(dataSource, request, "grid-backfill-test-1");
        var second = await RunAsync(dataSource, request, "grid-backfill-test-2");

        var days = 45;
        Assert.Equal((2, days * 2016 + 4 * 21, days * 2016 + 4 * 21, days), (first.Fetches, first.Points, first.Inserted, first.ChangedDays)); // 2025-10-26 has 100 quarter hours
        Assert.Equal((0, 0, first.Points, 0), (second.Inserted, second.Revised, second.Unchanged, second.ChangedDays));
        // the lake: bronze (today's fetches), then per day silver points, gold production and underperformance; once
        Assert.Equal((1 + 3 * days, 1L + 3 * days, 0), (first.PartitionsExported,
            await ChangeDataCaptureTests.ScalarAsync<long>(dataSource, "SELECT count(*) FROM pipeline.grid_exports"), second.PartitionsExported));
        Assert.Equal((long)first.Points, await ChangeDataCaptureTests.ScalarAsync<long>(dataSource, "SELECT count(*) FROM pipeline.grid_points"));
        Assert.Equal((long)days, await ChangeDataCaptureTests.ScalarAsync<long>(dataSource, "SELECT count(DISTINCT day) FROM pipeline.grid_daily_production"));
    }

    [Fact]
    public async Task A_refused_request_fails_the_run_without_retrying()
    {
        await using var dataSource = await database.CreateAsync();
        var request = new GridIngestRequest { Dataset = "public_power", Area = "fr", FirstDay = new(2025, 12, 1), LastDay = new(2025, 12, 1) };

        var failure = await Assert.ThrowsAsync<WorkflowFailedException>(() => RunAsync(dataSource, request, "grid-backfill-refused"));

        var cause = Assert.IsType<ApplicationFailureException>(Assert.IsType<ActivityFailureException>(failure.InnerException).InnerException);
        Assert.Equal(WorkflowErrors.InvalidRequest, cause.ErrorType);
        Assert.Contains("country 'fr': the stand-in serves country=de only", cause.Message);
    }

    async Task<GridIngestReport> RunAsync(NpgsqlDataSource dataSource, GridIngestRequest request, string id)
    {
        var client = new EnergyChartsClient(new HttpClient(), new EnergyChartsOptions { BaseUrl = standIn.Feeds.Url, MaxRetries = 1 }, TimeProvider.System, NullLogger<EnergyChartsClient>.Instance);
        using var lake = LakeConnection.Parse(s3.ConnectionString).CreateClient();
        var activities = new GridActivities(new GridIngestion(client, dataSource, new GridAreas(), NullLogger<GridIngestion>.Instance),
            new GridLakeExport(dataSource, lake, S3Fixture.Bucket, new GridAreas(), TimeProvider.System));
        var queue = "grid-tests-" + Guid.NewGuid().ToString("N");
        using var worker = new TemporalWorker(_client, new TemporalWorkerOptions(queue).AddAllActivities<IGridActivities>(activities).AddWorkflow<GridIngestWorkflow>());
        var workflowId = id + Guid.NewGuid().ToString("N")[..6];
        var report = await worker.ExecuteAsync(() => _client.ExecuteWorkflowAsync((GridIngestWorkflow w) => w.RunAsync(request), new WorkflowOptions(workflowId, queue)));
        await RecordedHistories.SaveIfRecordingAsync(_client, workflowId, "grid-ingest");
        return report;
    }
}
