using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;

namespace TemporalServer.Tests;

[Collection(TemporalCollection.Name)]
public sealed class ActivityTests(TemporalEnvironment env)
{
    readonly FlakyActivities _activities = new();
    readonly string _queue = "q-" + Guid.NewGuid().ToString("N");

    RunningWorker Worker() => new(env.Client, new TemporalWorkerOptions(_queue).AddWorkflow<ActivityWorkflow>().AddAllActivities(_activities));

    Task<string> RunAsync(ActivityCall call) =>
        env.Client.ExecuteWorkflowAsync((ActivityWorkflow wf) => wf.RunAsync(call), new(Guid.NewGuid().ToString(), _queue));

    List<(int Attempt, DateTime At, string? HeartbeatSeen)> Attempts(string key)
    {
        lock (_activities.Attempts) return [.. _activities.Attempts[key]];
    }

    [Fact]
    public async Task A_failing_activity_is_retried_by_the_server_with_exponential_backoff()
    {
        await using var worker = Worker();
        Assert.Equal("done on attempt 3", await RunAsync(new ActivityCall("retry", FailuresBeforeSuccess: 2, StartToClose: TimeSpan.FromSeconds(10), Backoff: 4)));

        var attempts = Attempts("retry");
        Assert.Equal([1, 2, 3], attempts.Select(a => a.Attempt));
        // Initial interval 400 ms, coefficient 4: about 0.4 s, then 1.6 s (a coefficient of 2 left 0.4 s between the two,
        // less than a loaded test run's dispatch jitter).
        var first = attempts[1].At - attempts[0].At;
        var second = attempts[2].At - attempts[1].At;
        Assert.InRange(first.TotalMilliseconds, 350, 2500);
        Assert.InRange(second.TotalMilliseconds, 1550, 5000);
        Assert.True(second > first, $"backoff grows: {first} then {second}");
    }

    [Fact]
    public async Task A_non_retryable_error_type_fails_the_activity_at_once()
    {
        await using var worker = Worker();
        var failure = await Assert.ThrowsAsync<WorkflowFailedException>(() =>
            RunAsync(new ActivityCall("fatal", FailuresBeforeSuccess: 5, ErrorType: "Fatal", StartToClose: TimeSpan.FromSeconds(10))));

        var activity = Assert.IsType<ActivityFailureException>(failure.InnerException);
        Assert.Equal(RetryState.NonRetryableFailure, activity.RetryState);
        Assert.Equal("Fatal", Assert.IsType<ApplicationFailureException>(activity.InnerException).ErrorType);
        Assert.Single(Attempts("fatal"));
    }

    [Fact]
    public async Task Heartbeat_details_of_a_failed_attempt_reach_the_next_attempt()
    {
        await using var worker = Worker();
        await RunAsync(new ActivityCall("heartbeat", FailuresBeforeSuccess: 1, StartToClose: TimeSpan.FromSeconds(10), Heartbeat: TimeSpan.FromSeconds(5)));

        var attempts = Attempts("heartbeat");
        Assert.Null(attempts[0].HeartbeatSeen);
        Assert.Equal("progress of attempt 1", attempts[1].HeartbeatSeen);
    }

    [Fact]
    public async Task An_attempt_running_past_start_to_close_times_out_and_is_retried()
    {
        await using var worker = Worker();
        var failure = await Assert.ThrowsAsync<WorkflowFailedException>(() =>
            RunAsync(new ActivityCall("start-to-close", 0, MaximumAttempts: 2, Sleep: TimeSpan.FromSeconds(30), StartToClose: TimeSpan.FromSeconds(1))));

        AssertTimeout(failure, TimeoutType.StartToClose);
        Assert.Equal(2, Attempts("start-to-close").Count);
    }

    [Fact]
    public async Task An_attempt_that_stops_heartbeating_times_out_on_the_heartbeat_timeout()
    {
        await using var worker = Worker();
        var failure = await Assert.ThrowsAsync<WorkflowFailedException>(() =>
            RunAsync(new ActivityCall("heartbeat-timeout", 0, MaximumAttempts: 1, Sleep: TimeSpan.FromSeconds(30), StartToClose: TimeSpan.FromSeconds(30), Heartbeat: TimeSpan.FromSeconds(1))));

        AssertTimeout(failure, TimeoutType.Heartbeat);
    }

    [Fact]
    public async Task An_activity_nobody_polls_for_times_out_on_schedule_to_start()
    {
        await using var worker = Worker();
        var failure = await Assert.ThrowsAsync<WorkflowFailedException>(() =>
            RunAsync(new ActivityCall("schedule-to-start", 0, StartToClose: TimeSpan.FromSeconds(5), ScheduleToStart: TimeSpan.FromSeconds(1), TaskQueue: "nobody-polls-" + Guid.NewGuid())));

        AssertTimeout(failure, TimeoutType.ScheduleToStart);
    }

    [Fact]
    public async Task Retries_stop_when_schedule_to_close_is_over()
    {
        await using var worker = Worker();
        var failure = await Assert.ThrowsAsync<WorkflowFailedException>(() =>
            RunAsync(new ActivityCall("schedule-to-close", 0, MaximumAttempts: 0, Sleep: TimeSpan.FromSeconds(30), StartToClose: TimeSpan.FromSeconds(1), ScheduleToClose: TimeSpan.FromSeconds(3))));

        var activity = Assert.IsType<ActivityFailureException>(failure.InnerException);
        Assert.IsType<TimeoutFailureException>(activity.InnerException);
        Assert.InRange(Attempts("schedule-to-close").Count, 1, 3);
    }

    static void AssertTimeout(WorkflowFailedException failure, TimeoutType expected)
    {
        var activity = Assert.IsType<ActivityFailureException>(failure.InnerException);
        var timeout = Assert.IsType<TimeoutFailureException>(activity.InnerException);
        Assert.Equal(expected, timeout.TimeoutType);
    }

    [Fact]
    public async Task A_paused_activity_holds_its_interrupted_attempt_until_unpaused_and_then_runs_again()
    {
        var activities = new PausableActivities();
        await using var worker = new RunningWorker(env.Client, new TemporalWorkerOptions(_queue).AddWorkflow<PausableWorkflow>().AddAllActivities(activities));
        var handle = await env.Client.StartWorkflowAsync((PausableWorkflow wf) => wf.RunAsync(), new(Guid.NewGuid().ToString(), _queue));
        await activities.FirstAttemptRunning.Task.WaitAsync(TimeSpan.FromSeconds(20));

        await env.Client.WorkflowService.PauseActivityAsync(new()
        {
            Namespace = "default",
            Execution = new() { WorkflowId = handle.Id },
            Type = "Run",
            Reason = "maintenance",
        });
        Temporalio.Api.Workflow.V1.PendingActivityInfo? held = null;
        for (var i = 0; i < 100 && held is not { State: PendingActivityState.Paused }; i++)
        {
            await Task.Delay(100);
            var described = await env.Client.WorkflowService.DescribeWorkflowExecutionAsync(new() { Namespace = "default", Execution = new() { WorkflowId = handle.Id } });
            held = described.PendingActivities.Single();
        }
        Assert.Equal(PendingActivityState.Paused, held!.State);
        Assert.True(held.Paused);
        Assert.Equal("maintenance", held.PauseInfo.Manual.Reason);
        await Task.Delay(TimeSpan.FromSeconds(3)); // past the heartbeat timeout: a held attempt does not time out

        await env.Client.WorkflowService.UnpauseActivityAsync(new() { Namespace = "default", Execution = new() { WorkflowId = handle.Id }, Type = "Run" });

        Assert.Equal("attempt 2 after details progress", await handle.GetResultAsync<string>());
    }
}
