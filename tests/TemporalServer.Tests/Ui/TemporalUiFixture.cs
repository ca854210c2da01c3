using Microsoft.Playwright;
using Temporalio.Client;
using Temporalio.Client.Schedules;
using Temporalio.Worker;
using TestSupport;

namespace TemporalServer.Tests.Ui;

/// <summary>
/// A server with the built Web UI, one Chromium for the collection, and runs to look at: a completed run, a run
/// with a pending activity, a run to terminate, and a schedule.
/// </summary>
public sealed class TemporalUiFixture : IAsyncLifetime
{
    readonly HeadlessChromium _chromium = new();
    readonly string _queue = "ui-" + Guid.NewGuid().ToString("N");
    RunningWorker? _worker;

    public TemporalEnvironment Temporal { get; } = new();
    public WorkflowHandle Completed { get; private set; } = null!;
    public WorkflowHandle WithPendingActivity { get; private set; } = null!;
    public WorkflowHandle Sleeping { get; private set; } = null!;
    public string ScheduleId { get; } = "ui-schedule-" + Guid.NewGuid().ToString("N")[..8];

    public async Task InitializeAsync()
    {
        // The first load parses a 3 MB app on a shared 2-core machine: Playwright's 5 s default is too tight.
        Assertions.SetDefaultExpectTimeout(20_000);
        await Temporal.InitializeAsync();
        var client = Temporal.Client;
        _worker = new RunningWorker(client, new TemporalWorkerOptions(_queue)
            .AddWorkflow<SleepingWorkflow>().AddWorkflow<ActivityWorkflow>().AddAllActivities(new FlakyActivities()));
        Completed = await client.StartWorkflowAsync((SleepingWorkflow wf) => wf.RunAsync(TimeSpan.FromMilliseconds(1)), new(Id("ui-completed"), _queue));
        await Completed.GetResultAsync<string>();
        var longActivity = new ActivityCall("ui", 0, Sleep: TimeSpan.FromMinutes(10), StartToClose: TimeSpan.FromMinutes(20));
        WithPendingActivity = await client.StartWorkflowAsync((ActivityWorkflow wf) => wf.RunAsync(longActivity), new(Id("ui-activity"), _queue));
        Sleeping = await client.StartWorkflowAsync((SleepingWorkflow wf) => wf.RunAsync(TimeSpan.FromHours(1)), new(Id("ui-sleeping"), _queue));
        await client.CreateScheduleAsync(ScheduleId, new Schedule(
            ScheduleActionStartWorkflow.Create((SleepingWorkflow wf) => wf.RunAsync(TimeSpan.Zero), new WorkflowOptions(ScheduleId + "-wf", _queue)),
            new ScheduleSpec { CronExpressions = ["0 6 * * *"] }));
    }

    static string Id(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>A page of a fresh browser context on the server's HTTP port.</summary>
    public async Task<IPage> OpenAsync(string path)
    {
        var context = await _chromium.NewContextAsync(Temporal.Server.HttpUrl);
        var page = await context.NewPageAsync();
        await page.GotoAsync(path);
        return page;
    }

    public async Task DisposeAsync()
    {
        await _chromium.DisposeAsync();
        if (_worker is not null) await _worker.DisposeAsync();
        await Temporal.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class TemporalUiCollection : ICollectionFixture<TemporalUiFixture>
{
    public const string Name = "temporal-ui";
}
