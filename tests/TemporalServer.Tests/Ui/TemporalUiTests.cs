using Microsoft.Playwright;
using Temporalio.Api.Enums.V1;
using Temporalio.Exceptions;
using TestSupport;

namespace TemporalServer.Tests.Ui;

/// <summary>The genuine Temporal Web UI (npm @temporalio/ui), served by the server, in headless Chromium.</summary>
[Collection(TemporalUiCollection.Name)]
public sealed class TemporalUiTests(TemporalUiFixture ui)
{
    [Fact]
    public async Task The_workflow_list_filtered_by_workflow_id_shows_only_that_run()
    {
        var page = await ui.OpenAsync($"/namespaces/default/workflows?query={Uri.EscapeDataString($"WorkflowId=\"{ui.Completed.Id}\"")}");

        await Assertions.Expect(page.GetByText(ui.Completed.Id).First).ToBeVisibleAsync();
        await HeadlessChromium.ScreenshotAsync(page, "temporal-ui-list-filtered");
        Assert.Equal(0, await page.GetByText(ui.Sleeping.Id).CountAsync());
        Assert.Equal(0, await page.GetByText(ui.WithPendingActivity.Id).CountAsync());
    }

    [Fact]
    public async Task A_completed_runs_history_shows_its_timeline_and_events()
    {
        var page = await ui.OpenAsync($"/namespaces/default/workflows/{ui.Completed.Id}/{ui.Completed.ResultRunId}/history");

        await Assertions.Expect(page.GetByText("SleepingWorkflow").First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("Completed").First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("Timer Fired").First).ToBeVisibleAsync();
        await HeadlessChromium.ScreenshotAsync(page, "temporal-ui-history");
    }

    [Fact]
    public async Task A_running_activity_shows_on_the_pending_activities_tab()
    {
        var page = await ui.OpenAsync($"/namespaces/default/workflows/{ui.WithPendingActivity.Id}/{ui.WithPendingActivity.ResultRunId}/pending-activities");

        await Assertions.Expect(page.GetByText("Run", new() { Exact = true }).First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("Started").First).ToBeVisibleAsync();
        await HeadlessChromium.ScreenshotAsync(page, "temporal-ui-pending-activity");
    }

    [Fact]
    public async Task Terminating_from_the_ui_ends_the_run()
    {
        var page = await ui.OpenAsync($"/namespaces/default/workflows/{ui.Sleeping.Id}/{ui.Sleeping.ResultRunId}/history");
        await Assertions.Expect(page.GetByText("Running").First).ToBeVisibleAsync();

        // The page renders the actions twice (narrow and wide layouts); only one is visible.
        await page.Locator("#workflow-actions-menu-button:visible").ClickAsync();
        await page.Locator("[data-testid=terminate-button]:visible").ClickAsync();
        var modal = page.Locator("[data-testid=terminate-confirmation-modal]:visible");
        await modal.Locator("#workflow-termination-reason").FillAsync("stopped from the UI test");
        await modal.GetByRole(AriaRole.Button, new() { Name = "Terminate" }).ClickAsync();

        var failure = await Assert.ThrowsAsync<WorkflowFailedException>(() => ui.Sleeping.GetResultAsync());
        Assert.IsType<TerminatedFailureException>(failure.InnerException);
        Assert.Contains("stopped from the UI test", failure.InnerException!.Message);
        Assert.Equal(WorkflowExecutionStatus.Terminated, (await ui.Sleeping.DescribeAsync()).Status);
        await HeadlessChromium.ScreenshotAsync(page, "temporal-ui-terminated");
    }

    [Fact]
    public async Task The_schedules_page_lists_the_schedule()
    {
        var page = await ui.OpenAsync("/namespaces/default/schedules");

        await Assertions.Expect(page.GetByText(ui.ScheduleId).First).ToBeVisibleAsync();
        await HeadlessChromium.ScreenshotAsync(page, "temporal-ui-schedules");
    }
}
