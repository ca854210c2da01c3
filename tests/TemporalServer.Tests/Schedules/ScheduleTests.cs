using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Client.Schedules;
using Temporalio.Common;
using Temporalio.Worker;
using TestSupport;

namespace TemporalServer.Tests.Schedules;

/// <summary>Schedules through the SDK's schedule client; the workflows they start run on a real worker.</summary>
[Collection(TemporalCollection.Name)]
public sealed class ScheduleTests(TemporalEnvironment env)
{
    static readonly ScheduleSpec EverySecond = new() { Intervals = [new ScheduleIntervalSpec(TimeSpan.FromSeconds(1))] };

    readonly string _queue = "q-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task With_the_skip_policy_no_action_starts_while_the_last_one_runs()
    {
        await using var worker = Worker(env.Client);
        var schedule = await CreateAsync(env.Client, TimeSpan.FromHours(1), EverySecond, ScheduleOverlapPolicy.Skip);
        try
        {
            var description = await WaitForAsync(schedule, d => d.Info.NumActionsSkippedOverlap >= 2);

            Assert.Equal(1, description.Info.NumActions);
            Assert.Single(description.Info.RunningActions);
            Assert.Single(await ScheduledRunsAsync(env.Client, schedule.Id));
        }
        finally
        {
            await DeleteAsync(env.Client, schedule);
        }
    }

    [Fact]
    public async Task With_buffer_one_each_action_starts_only_after_the_previous_run_closed()
    {
        await using var worker = Worker(env.Client);
        var schedule = await CreateAsync(env.Client, TimeSpan.FromMilliseconds(1500), EverySecond, ScheduleOverlapPolicy.BufferOne);
        try
        {
            var description = await WaitForAsync(schedule, d => d.Info.NumActions >= 3);
            await schedule.PauseAsync("enough");

            Assert.Equal(0, description.Info.NumActionsSkippedOverlap);
            var runs = (await ScheduledRunsAsync(env.Client, schedule.Id)).OrderBy(r => r.StartTime).ToList();
            Assert.True(runs.Count >= 3, $"{runs.Count} runs");
            foreach (var (previous, next) in runs.Zip(runs.Skip(1)))
                Assert.True(previous.CloseTime is { } closed && next.StartTime >= closed, $"{next.Id} started at {next.StartTime:O} before {previous.Id} closed ({previous.CloseTime:O})");
        }
        finally
        {
            await DeleteAsync(env.Client, schedule);
        }
    }

    [Fact]
    public async Task A_paused_schedule_takes_no_action_until_unpaused()
    {
        await using var worker = Worker(env.Client);
        var schedule = await CreateAsync(env.Client, TimeSpan.Zero, EverySecond, ScheduleOverlapPolicy.AllowAll, new ScheduleState { Paused = true, Note = "held" });
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(2.5));
            var paused = await schedule.DescribeAsync();
            Assert.Equal(0, paused.Info.NumActions);
            Assert.True(paused.Schedule.State.Paused);
            Assert.Equal("held", paused.Schedule.State.Note);

            await schedule.UnpauseAsync("go");
            await WaitForAsync(schedule, d => d.Info.NumActions >= 1);
            await schedule.PauseAsync("stop");
            var stopped = (await schedule.DescribeAsync()).Info.NumActions;
            await Task.Delay(TimeSpan.FromSeconds(2.5));

            Assert.Equal(stopped, (await schedule.DescribeAsync()).Info.NumActions);
        }
        finally
        {
            await DeleteAsync(env.Client, schedule);
        }
    }

    [Fact]
    public async Task Trigger_starts_now_and_backfill_starts_the_past_spec_times()
    {
        await using var worker = Worker(env.Client);
        var yearly = new ScheduleSpec { CronExpressions = ["0 0 1 1 *"] };
        var schedule = await CreateAsync(env.Client, TimeSpan.Zero, yearly, ScheduleOverlapPolicy.AllowAll);
        try
        {
            var description = await schedule.DescribeAsync();
            Assert.Equal(new DateTime(DateTime.UtcNow.Year + 1, 1, 1, 0, 0, 0, DateTimeKind.Utc), description.Info.NextActionTimes.First());
            Assert.Contains(schedule.Id, await ListScheduleIdsAsync(env.Client));

            await schedule.TriggerAsync();
            var triggered = await WaitForAsync(schedule, d => d.Info.NumActions == 1);
            var run = (ScheduleActionExecutionStartWorkflow)triggered.Info.RecentActions.Single().Action;
            Assert.Equal("woke", await env.Client.GetWorkflowHandle<SleepingWorkflow, string>(run.WorkflowId, run.FirstExecutionRunId).GetResultAsync());

            await schedule.BackfillAsync([new ScheduleBackfill(new DateTime(2019, 12, 31, 0, 0, 0, DateTimeKind.Utc), new DateTime(2021, 12, 31, 0, 0, 0, DateTimeKind.Utc), ScheduleOverlapPolicy.AllowAll)]);

            var backfilled = await WaitForAsync(schedule, d => d.Info.NumActions == 3);
            Assert.Equal(
                [new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2021, 1, 1, 0, 0, 0, DateTimeKind.Utc)],
                backfilled.Info.RecentActions.Select(a => a.ScheduledAt).Where(t => t.Year < 2026).Order());
            Assert.Contains(backfilled.Info.RecentActions, a => ((ScheduleActionExecutionStartWorkflow)a.Action).WorkflowId.EndsWith("-2020-01-01T00:00:00Z", StringComparison.Ordinal));
        }
        finally
        {
            await DeleteAsync(env.Client, schedule);
        }
    }

    [Fact]
    public async Task After_server_downtime_missed_times_inside_the_catchup_window_run_and_older_ones_are_counted_missed()
    {
        await using var server = await TemporalServerFixture.StartAsync(await env.Postgres.CreateDatabaseAsync("schedules"));
        var client = await TemporalEnvironment.ConnectAsync(server);
        await using var worker = Worker(client);
        var every2s = new ScheduleSpec { Intervals = [new ScheduleIntervalSpec(TimeSpan.FromSeconds(2))] };
        var catchingUp = await CreateAsync(client, TimeSpan.Zero, every2s, ScheduleOverlapPolicy.AllowAll, catchupWindow: TimeSpan.FromMinutes(1));
        var strict = await CreateAsync(client, TimeSpan.Zero, every2s, ScheduleOverlapPolicy.AllowAll, catchupWindow: TimeSpan.FromSeconds(1));
        await WaitForAsync(catchingUp, d => d.Info.NumActions >= 1);

        await server.KillAsync();
        var down = DateTime.UtcNow;
        await Task.Delay(TimeSpan.FromSeconds(7));
        await server.RestartAsync();

        var caughtUp = await WaitForAsync(catchingUp, d => d.Info.RecentActions.Count(a => a.ScheduledAt > down && a.StartedAt - a.ScheduledAt > TimeSpan.FromSeconds(2)) >= 2);
        Assert.Equal(0, caughtUp.Info.NumActionsMissedCatchupWindow);
        var missed = await WaitForAsync(strict, d => d.Info.NumActionsMissedCatchupWindow >= 2);
        Assert.DoesNotContain(missed.Info.RecentActions, a => a.StartedAt - a.ScheduledAt > TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task A_cron_string_with_a_day_name_is_kept_as_the_calendar_it_means_and_times_follow_it_while_paused()
    {
        var schedule = await CreateAsync(env.Client, TimeSpan.Zero, new ScheduleSpec { CronExpressions = ["0 12 * * MON"] }, ScheduleOverlapPolicy.Skip,
            new ScheduleState { Paused = true });
        try
        {
            var description = await schedule.DescribeAsync();

            Assert.Empty(description.Schedule.Spec.CronExpressions);
            var calendar = Assert.Single(description.Schedule.Spec.Calendars);
            Assert.Equal([12], calendar.Hour.Select(r => r.Start));
            Assert.Equal([(1, 1)], calendar.DayOfWeek.Select(r => (r.Start, Math.Max(r.Start, r.End))));
            Assert.Equal([(1, 31)], calendar.DayOfMonth.Select(r => (r.Start, r.End)));
            Assert.Equal(10, description.Info.NextActionTimes.Count);
            Assert.All(description.Info.NextActionTimes, t => Assert.Equal((DayOfWeek.Monday, 12, 0), (t.DayOfWeek, t.Hour, t.Minute)));
        }
        finally
        {
            await DeleteAsync(env.Client, schedule);
        }
    }

    [Fact]
    public async Task Two_servers_on_one_database_take_each_action_once()
    {
        var database = await env.Postgres.CreateDatabaseAsync("schedules");
        await using var first = await TemporalServerFixture.StartAsync(database);
        await using var second = await TemporalServerFixture.StartAsync(database);
        var client = await TemporalEnvironment.ConnectAsync(first);
        await using var worker = Worker(client);
        var schedule = await CreateAsync(client, TimeSpan.Zero, EverySecond, ScheduleOverlapPolicy.AllowAll);

        await WaitForAsync(schedule, d => d.Info.NumActions >= 5);
        await schedule.PauseAsync("enough");

        var description = await schedule.DescribeAsync();
        var runs = await ScheduledRunsAsync(client, schedule.Id);
        Assert.Equal(description.Info.NumActions, runs.Count);
        Assert.Equal(runs.Count, runs.Select(r => r.Id).Distinct().Count());
    }

    [Fact]
    public async Task Listing_schedules_with_a_query_selects_by_search_attribute_id_and_pause_and_follows_updates()
    {
        // Each test gets its own keyword, so schedules of other tests never match.
        var keyword = SearchAttributeKey.CreateKeyword("CustomKeywordField");
        var mine = "k-" + Guid.NewGuid().ToString("N");
        var tagged = new ScheduleOptions { TypedSearchAttributes = new SearchAttributeCollection.Builder().Set(keyword, mine).ToSearchAttributeCollection() };
        var paused = new ScheduleState { Paused = true };
        var first = await CreateAsync(env.Client, TimeSpan.Zero, EverySecond, ScheduleOverlapPolicy.Skip, paused, options: tagged);
        var second = await CreateAsync(env.Client, TimeSpan.Zero, EverySecond, ScheduleOverlapPolicy.Skip, paused, options: tagged);
        var untagged = await CreateAsync(env.Client, TimeSpan.Zero, EverySecond, ScheduleOverlapPolicy.Skip, paused);
        try
        {
            Assert.Equal(new[] { first.Id, second.Id }.Order(), (await ListScheduleIdsAsync(env.Client, $"CustomKeywordField = '{mine}'")).Order());
            Assert.Equal([untagged.Id], await ListScheduleIdsAsync(env.Client, $"ScheduleId = '{untagged.Id}'"));
            await second.UnpauseAsync();
            Assert.Equal([first.Id], await ListScheduleIdsAsync(env.Client, $"CustomKeywordField = '{mine}' AND TemporalSchedulePaused = true"));

            // An update with search attributes replaces them; one without leaves them as they are.
            await first.UpdateAsync(input => new ScheduleUpdate(input.Description.Schedule) { TypedSearchAttributes = SearchAttributeCollection.Empty });
            await second.UpdateAsync(input => new ScheduleUpdate(input.Description.Schedule));
            Assert.Equal([second.Id], await ListScheduleIdsAsync(env.Client, $"CustomKeywordField = '{mine}'"));

            var invalid = await Assert.ThrowsAsync<Temporalio.Exceptions.RpcException>(() => ListScheduleIdsAsync(env.Client, "WorkflowType = 'x'"));
            Assert.Equal(Temporalio.Exceptions.RpcException.StatusCode.InvalidArgument, invalid.Code);
            Assert.Contains("WorkflowType is not a registered search attribute", invalid.Message);
        }
        finally
        {
            foreach (var schedule in new[] { first, second, untagged }) await DeleteAsync(env.Client, schedule);
        }
    }

    RunningWorker Worker(ITemporalClient client) => new(client, new TemporalWorkerOptions(_queue).AddWorkflow<SleepingWorkflow>());

    async Task<ScheduleHandle> CreateAsync(ITemporalClient client, TimeSpan sleep, ScheduleSpec spec, ScheduleOverlapPolicy overlap, ScheduleState? state = null,
        TimeSpan? catchupWindow = null, ScheduleOptions? options = null)
    {
        var id = "s-" + Guid.NewGuid().ToString("N");
        var action = ScheduleActionStartWorkflow.Create((SleepingWorkflow wf) => wf.RunAsync(sleep), new WorkflowOptions(id + "-wf", _queue));
        return await client.CreateScheduleAsync(id, new Schedule(action, spec)
        {
            Policy = new SchedulePolicy { Overlap = overlap, CatchupWindow = catchupWindow },
            State = state ?? new ScheduleState(),
        }, options);
    }

    static async Task<ScheduleDescription> WaitForAsync(ScheduleHandle schedule, Func<ScheduleDescription, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(45);
        while (true)
        {
            var description = await schedule.DescribeAsync();
            if (condition(description)) return description;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"schedule {schedule.Id}: condition not met; actions {description.Info.NumActions}, skipped {description.Info.NumActionsSkippedOverlap}, missed {description.Info.NumActionsMissedCatchupWindow}");
            await Task.Delay(250);
        }
    }

    static async Task<List<WorkflowExecution>> ScheduledRunsAsync(ITemporalClient client, string scheduleId)
    {
        var runs = new List<WorkflowExecution>();
        await foreach (var run in client.ListWorkflowsAsync($"TemporalScheduledById = '{scheduleId}'")) runs.Add(run);
        return runs;
    }

    static async Task<List<string>> ListScheduleIdsAsync(ITemporalClient client, string? query = null)
    {
        var ids = new List<string>();
        await foreach (var schedule in client.ListSchedulesAsync(new ScheduleListOptions { Query = query })) ids.Add(schedule.Id);
        return ids;
    }

    static async Task DeleteAsync(ITemporalClient client, ScheduleHandle schedule)
    {
        var description = await schedule.DescribeAsync();
        await schedule.DeleteAsync();
        foreach (var running in description.Info.RunningActions.OfType<ScheduleActionExecutionStartWorkflow>())
        {
            try
            {
                await client.GetWorkflowHandle(running.WorkflowId).TerminateAsync("schedule deleted");
            }
            catch (Temporalio.Exceptions.RpcException e) when (e.Code == Temporalio.Exceptions.RpcException.StatusCode.NotFound)
            {
                // It closed by itself since the description was read.
            }
        }
    }
}
