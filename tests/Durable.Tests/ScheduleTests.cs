using Durable.TestWorker;
using TestSupport;
using static Durable.Tests.DurableEnvironment;

namespace Durable.Tests;

/// <summary>Real time shifted by an offset: lets a schedule be created "ten minutes ago" without waiting ten minutes.</summary>
public sealed class OffsetTimeProvider(TimeSpan offset) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
}

[Collection("durable")]
public sealed class ScheduleTests(PostgresFixture postgres)
{
    [Fact]
    public async Task After_downtime_schedules_catch_up_within_the_window_and_apply_their_overlap_policy()
    {
        await using var env = await CreateAsync(postgres);
        // Created ten minutes "ago" with a one-minute cron: about ten fire times were missed.
        var past = new DurableClient(env.DataSource, new DurableClientOptions { TimeProvider = new OffsetTimeProvider(TimeSpan.FromMinutes(-10)) });
        var window = TimeSpan.FromSeconds(330);
        foreach (var policy in Enum.GetValues<ScheduleOverlapPolicy>())
            await past.CreateScheduleAsync<ApprovalWorkflow>($"every-minute-{policy}", w => w.RunAsync(1), new ScheduleOptions("* * * * *", "q") { Overlap = policy, CatchupWindow = window });
        await env.StartWorkerAsync();

        async Task<ScheduleDescription> Settled(ScheduleOverlapPolicy policy)
        {
            var handle = env.Client.GetScheduleHandle($"every-minute-{policy}");
            await WaitUntilAsync(async () => (await handle.DescribeAsync()).NextFireAt > DateTimeOffset.UtcNow, TimeSpan.FromSeconds(15), $"{policy} caught up");
            return await handle.DescribeAsync();
        }
        var allowAll = await Settled(ScheduleOverlapPolicy.AllowAll);
        Assert.InRange(allowAll.FiredCount, 5, 6); // fire times inside the 5.5-minute window
        Assert.InRange(allowAll.FiredCount + allowAll.SkippedCount, 10, 11); // every missed time was accounted for
        Assert.Equal(allowAll.FiredCount, await env.Client.CountWorkflowsAsync(new WorkflowListFilter { IdPrefix = "every-minute-AllowAll-", Status = WorkflowStatus.Running }));

        var skip = await Settled(ScheduleOverlapPolicy.Skip);
        Assert.Equal(1, skip.FiredCount);
        Assert.Equal(1, await env.Client.CountWorkflowsAsync(new WorkflowListFilter { IdPrefix = "every-minute-Skip-" }));

        var buffer = await Settled(ScheduleOverlapPolicy.BufferOne);
        Assert.Equal(1, buffer.FiredCount);
        Assert.NotNull(buffer.BufferedFireAt);
        await env.Client.GetWorkflowHandle(buffer.LastWorkflowId!).SignalAsync("Approve", ["go"]);
        await WaitUntilAsync(async () => await env.Client.CountWorkflowsAsync(new WorkflowListFilter { IdPrefix = "every-minute-BufferOne-" }) == 2, TimeSpan.FromSeconds(15), "buffered start");
        var afterBuffer = await env.Client.GetScheduleHandle("every-minute-BufferOne").DescribeAsync();
        Assert.Equal(2, afterBuffer.FiredCount);
        Assert.Null(afterBuffer.BufferedFireAt);
    }

    [Fact]
    public async Task Schedules_can_be_paused_unpaused_and_triggered_now()
    {
        await using var env = await CreateAsync(postgres);
        var schedule = await env.Client.CreateScheduleAsync<ApprovalWorkflow>("yearly", w => w.RunAsync(1),
            new ScheduleOptions("0 6 1 1 *", "q") { TimeZone = "Europe/Berlin" });
        await schedule.PauseAsync();
        Assert.True((await schedule.DescribeAsync()).Paused);
        await schedule.UnpauseAsync();
        var description = await schedule.DescribeAsync();
        Assert.False(description.Paused);
        Assert.Equal(5, description.NextFireAt.UtcDateTime.Hour); // 06:00 in Berlin in winter is 05:00 UTC
        var run = await schedule.TriggerAsync();
        Assert.StartsWith("yearly-", run.WorkflowId);
        Assert.Equal(WorkflowStatus.Running, (await run.DescribeAsync()).Status);
        Assert.Equal("yearly", (await run.DescribeAsync()).ScheduleId);
        Assert.Equal(1, (await schedule.DescribeAsync()).FiredCount);

        await env.Client.CreateScheduleAsync<ApprovalWorkflow>("hourly", w => w.RunAsync(1), new ScheduleOptions("0 * * * *", "other-queue"));
        var all = await env.Client.ListSchedulesAsync();
        Assert.Equal(["hourly", "yearly"], all.Select(s => s.ScheduleId));
        Assert.Equal(await schedule.DescribeAsync(), all[1]);
        Assert.Equal("other-queue", all[0].TaskQueue);
    }
}
