using Durable.TestWorker;
using Npgsql;
using TestSupport;
using static Durable.Tests.DurableEnvironment;

namespace Durable.Tests;

/// <summary>Workers as separate processes, killed with SIGKILL; a second process must finish the work.</summary>
[Collection("durable-processes")]
public sealed class CrashRecoveryTests(PostgresFixture postgres)
{
    const int LeaseMs = 1500;

    [Fact]
    public async Task Completed_activities_are_not_executed_again_after_a_worker_is_killed_during_an_activity()
    {
        await using var env = await CreateAsync(postgres);
        var first = await env.StartWorkerProcessAsync("q", LeaseMs);
        var handle = await env.Client.StartWorkflowAsync((SequentialWorkflow w) => w.RunAsync("mid", 4, 600, 0), new WorkflowOptions("mid", "q"));
        await WaitUntilAsync(async () => await env.CountEffectsAsync("start", "mid/3") == 1, TimeSpan.FromSeconds(20), "step 3 started");
        first.Kill();
        await first.WaitForExitAsync();
        await env.StartWorkerProcessAsync("q", LeaseMs);

        Assert.Equal(100, await WithTimeout(handle.GetResultAsync<int>()));
        Assert.Equal(1, await env.CountEffectsAsync("start", "mid/1"));
        Assert.Equal(1, await env.CountEffectsAsync("start", "mid/2"));
        Assert.Equal(2, await env.CountEffectsAsync("start", "mid/3")); // interrupted mid-flight, so retried
        Assert.Equal(1, await env.CountEffectsAsync("done", "mid/3"));
        Assert.Equal(1, await env.CountEffectsAsync("start", "mid/4"));
    }

    [Fact]
    public async Task A_worker_killed_between_activities_is_taken_over_without_repeating_any_step()
    {
        await using var env = await CreateAsync(postgres);
        var first = await env.StartWorkerProcessAsync("q", LeaseMs);
        var handle = await env.Client.StartWorkflowAsync((SequentialWorkflow w) => w.RunAsync("gap", 3, 0, 1000), new WorkflowOptions("gap", "q"));
        // Kill while the run waits on the timer between step 1 and step 2: step 1's completion is committed.
        await WaitUntilAsync(async () => (await handle.FetchHistoryAsync()).Events.Any(e => e.Type == EventTypes.TimerStarted), TimeSpan.FromSeconds(20), "between steps");
        first.Kill();
        await first.WaitForExitAsync();
        await env.StartWorkerProcessAsync("q", LeaseMs);

        Assert.Equal(60, await WithTimeout(handle.GetResultAsync<int>()));
        Assert.Equal(3, await env.CountEffectsAsync("start", "gap/%"));
        Assert.Equal(3, await env.CountEffectsAsync("done", "gap/%"));
    }

    [Fact]
    public async Task A_fan_out_of_100_activities_across_2_worker_processes_runs_each_to_completion_exactly_once_in_effect()
    {
        await using var env = await CreateAsync(postgres);
        // No worker dies here, so a long lease: on a starved CPU a short one can expire under a live attempt, and the
        // re-run that at-least-once then allows would be counted by this test's non-transactional effects.
        await env.StartWorkerProcessAsync("q", 10_000);
        await env.StartWorkerProcessAsync("q", 10_000);
        var sum = await WithTimeout(env.Client.ExecuteWorkflowAsync((FanOutWorkflow w) => w.RunAsync("fan", 100, 30), new WorkflowOptions("fan", "q")), 60);

        Assert.Equal(Enumerable.Range(1, 100).Sum() * 10, sum);
        await using var command = env.DataSource.CreateCommand("SELECT count(*), count(DISTINCT key), count(DISTINCT worker) FROM public.test_effects WHERE kind = 'done' AND key LIKE 'fan/%'");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal(100, reader.GetInt64(0));
        Assert.Equal(100, reader.GetInt64(1));
        Assert.Equal(2, reader.GetInt64(2)); // both processes took part
        var history = await env.Client.GetWorkflowHandle("fan").FetchHistoryAsync();
        Assert.Equal(100, history.Events.Count(e => e.Type == EventTypes.ActivityCompleted));
    }

    [Theory]
    [InlineData("AfterInsert")]
    [InlineData("BeforeCommit")]
    [InlineData("AfterCommit")]
    public async Task An_activity_writing_in_the_engine_transaction_leaves_exactly_one_row_when_killed_at(string killPoint)
    {
        await using var env = await CreateAsync(postgres);
        var first = await env.StartWorkerProcessAsync("q", 1000, killPoint);
        var handle = await env.Client.StartWorkflowAsync((ExactlyOnceWorkflow w) => w.RunAsync(killPoint), new WorkflowOptions($"once-{killPoint}", "q"));
        await first.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(137, first.ExitCode); // SIGKILL
        await env.StartWorkerProcessAsync("q", 1000);

        Assert.Equal(1, await WithTimeout(handle.GetResultAsync<int>()));
        await using var rows = env.DataSource.CreateCommand("SELECT count(*) FROM public.test_rows WHERE key = $1");
        rows.Parameters.Add(new NpgsqlParameter { Value = killPoint });
        Assert.Equal(1L, await rows.ExecuteScalarAsync());
        Assert.Equal(killPoint == "AfterCommit" ? 1 : 2, await env.CountEffectsAsync("inserted", killPoint)); // the activity body ran once or twice
    }

    [Fact]
    public async Task An_activity_leased_eagerly_by_a_worker_killed_right_after_its_workflow_task_committed_is_taken_over_and_runs_once()
    {
        await using var env = await CreateAsync(postgres);
        // The kill point fires only on the eager path: after the workflow task committed the activity leased to this
        // worker, before the activity starts. If the worker did not dispatch eagerly it would not die.
        var first = await env.StartWorkerProcessAsync("q", 1000, "EagerDispatch");
        var handle = await env.Client.StartWorkflowAsync((ExactlyOnceWorkflow w) => w.RunAsync("eager"), new WorkflowOptions("once-eager", "q"));
        await first.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(137, first.ExitCode); // SIGKILL
        await using (var leased = env.DataSource.CreateCommand("SELECT attempt, lease_owner IS NOT NULL FROM durable.activity_tasks"))
        await using (var reader = await leased.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal(1, reader.GetInt32(0)); // the dead worker's attempt, committed with the workflow task
            Assert.True(reader.GetBoolean(1));
        }
        await env.StartWorkerProcessAsync("q", 1000);

        Assert.Equal(1, await WithTimeout(handle.GetResultAsync<int>()));
        await using var rows = env.DataSource.CreateCommand("SELECT count(*) FROM public.test_rows WHERE key = 'eager'");
        Assert.Equal(1L, await rows.ExecuteScalarAsync());
        Assert.Equal(1, await env.CountEffectsAsync("inserted", "eager")); // the body never started on the dead worker
        var completed = (await handle.FetchHistoryAsync()).Events.Single(e => e.Type == EventTypes.ActivityCompleted);
        Assert.Equal(2, completed.Attributes.Attempt); // taken over after the lease expired
    }
}
