using Durable.TestWorker;
using TestSupport;
using static Durable.Tests.DurableEnvironment;

namespace Durable.Tests;

[Collection("durable")]
public sealed class ActivityTests(PostgresFixture postgres)
{
    static Task<string> Run(DurableEnvironment env, string key, string mode, int attempts) =>
        WithTimeout(env.Client.ExecuteWorkflowAsync((RetryWorkflow w) => w.RunAsync(key, mode, attempts), new WorkflowOptions(key, "q")));

    [Fact]
    public void Retry_backoff_grows_by_the_coefficient_and_is_capped_at_the_maximum_interval()
    {
        var policy = new RetryPolicy { InitialInterval = TimeSpan.FromMilliseconds(100), BackoffCoefficient = 3, MaximumInterval = TimeSpan.FromSeconds(2) };
        Assert.Equal([100, 300, 900, 2000, 2000], Enumerable.Range(1, 5).Select(a => policy.DelayAfter(a).TotalMilliseconds));
        Assert.Equal(TimeSpan.FromSeconds(100), new RetryPolicy().DelayAfter(50)); // default cap: 100 x initial
        Assert.True(policy with { NonRetryableErrorTypes = ["InvalidOperationException"] } is var p && p.IsNonRetryable(FailureInfo.From(new InvalidOperationException())));
    }

    [Fact]
    public async Task A_flaky_activity_is_retried_with_exact_attempt_counts_and_backoff_spacing()
    {
        await using var env = await CreateAsync(postgres);
        await env.StartWorkerAsync();
        Assert.Equal("succeeded on attempt 4", await Run(env, "flaky", "flaky", 10));
        var times = await env.EffectTimesAsync("attempt", "flaky");
        Assert.Equal(4, times.Count);
        var gaps = times.Zip(times.Skip(1), (a, b) => (b - a).TotalMilliseconds).ToList();
        // 200 ms, 400 ms, 800 ms: each gap at least the backoff, and not much more. The margin covers a worker that
        // learns of the due retry at its next poll (1 s) on a busy 2-core machine; the exact spacing is unit-tested above.
        Assert.All(gaps.Zip([200.0, 400.0, 800.0]), g => Assert.InRange(g.First, g.Second - 5, g.Second + 1500));
    }

    [Fact]
    public async Task Maximum_attempts_stop_retries_and_non_retryable_errors_fail_after_one_attempt()
    {
        await using var env = await CreateAsync(postgres);
        await env.StartWorkerAsync();
        Assert.Equal($"failed: {typeof(InvalidOperationException).FullName}", await Run(env, "capped", "flaky", 2));
        Assert.Equal(2, await env.CountEffectsAsync("attempt", "capped"));
        Assert.Equal("failed: BadInput", await Run(env, "hard", "hard", 10));
        Assert.Equal(1, await env.CountEffectsAsync("attempt", "hard"));
    }

    [Fact]
    public async Task Start_to_close_heartbeat_and_schedule_to_close_timeouts_fire()
    {
        await using var env = await CreateAsync(postgres);
        await env.StartWorkerAsync();
        var timeout = Run(env, "stc", "timeout", 2);
        var heartbeat = Run(env, "hb", "heartbeat", 2);
        var scheduleToClose = Run(env, "s2c", "schedule-to-close", 0);
        Assert.Equal("failed: Timeout.StartToCloseTimeout", await timeout);
        Assert.Equal(2, await env.CountEffectsAsync("attempt", "stc"));
        Assert.Equal("failed: Timeout.HeartbeatTimeout", await heartbeat);
        Assert.Equal(2, await env.CountEffectsAsync("attempt", "hb"));
        Assert.StartsWith("failed:", await scheduleToClose);
        // 900 ms total with 200 ms between attempts: a handful of attempts, then the deadline stops it.
        Assert.InRange(await env.CountEffectsAsync("attempt", "s2c"), 2, 5);
    }

    [Fact]
    public async Task Heartbeat_details_let_the_next_attempt_resume_where_the_last_one_stopped()
    {
        await using var env = await CreateAsync(postgres);
        await env.StartWorkerAsync(lease: TimeSpan.FromSeconds(1.5));
        var result = await Run(env, "progress", "progress", 3);
        Assert.Equal("resumed at 5", result);
        Assert.Equal(1, await env.CountEffectsAsync("resume", "progress/0"));
        Assert.Equal(1, await env.CountEffectsAsync("resume", "progress/5"));
    }
}
