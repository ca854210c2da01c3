using Durable.TestWorker;
using TestSupport;
using static Durable.Tests.DurableEnvironment;

namespace Durable.Tests;

[Collection("durable")]
public sealed class ReplayTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Changing_the_workflow_code_between_two_tasks_fails_the_run_as_non_deterministic_naming_the_event()
    {
        await using var env = await CreateAsync(postgres);
        var v1 = await env.StartWorkerAsync();
        var handle = await env.Client.StartWorkflowAsync((VersionedV1 w) => w.RunAsync("ver"), new WorkflowOptions("ver", "q"));
        await WaitUntilAsync(async () => (await handle.FetchHistoryAsync()).Events.Count(e => e.Type == EventTypes.WorkflowTaskCompleted) == 2, TimeSpan.FromSeconds(10), "waiting on signal");
        await StopAsync(v1);
        await env.StartWorkerAsync(versionTwo: true);
        await env.Client.GetWorkflowHandle<VersionedV2>("ver").SignalAsync(w => w.GoAsync());

        var failed = await Assert.ThrowsAsync<WorkflowFailedException>(() => WithTimeout(handle.GetResultAsync<int>()));
        Assert.Equal(WorkflowStatus.NonDeterministic, failed.Status);
        Assert.Equal(typeof(NonDeterminismException).FullName, failed.Failure!.Type);
        Assert.Equal("Non-deterministic workflow Versioned: history event 3 expected ActivityScheduled(Step) but the code issued TimerStarted", failed.Failure.Message);
        Assert.Equal(EventTypes.WorkflowNonDeterministic, (await handle.FetchHistoryAsync()).Events[^1].Type);
        Assert.Equal(1, await env.CountEffectsAsync("done", "ver/%")); // stopped, not retried forever
    }

    [Fact]
    public async Task WorkflowReplayer_passes_an_unchanged_history_and_fails_a_changed_one()
    {
        await using var env = await CreateAsync(postgres);
        await env.StartWorkerAsync();
        var handle = await env.Client.StartWorkflowAsync((VersionedV1 w) => w.RunAsync("rep"), new WorkflowOptions("rep", "q"));
        await WaitUntilAsync(async () => (await handle.FetchHistoryAsync()).Events.Count(e => e.Type == EventTypes.WorkflowTaskCompleted) == 2, TimeSpan.FromSeconds(10), "waiting on signal");
        await handle.SignalAsync("Go", []);
        Assert.Equal(30, await WithTimeout(handle.GetResultAsync<int>()));
        var json = (await handle.FetchHistoryAsync()).ToJson();

        var same = new WorkflowReplayer().AddWorkflow<VersionedV1>().ReplayJson(json);
        Assert.True(same.Succeeded, same.Error?.Message);
        var changed = new WorkflowReplayer().AddWorkflow<VersionedV2>().ReplayJson(json);
        Assert.False(changed.Succeeded);
        var error = Assert.IsType<NonDeterminismException>(changed.Error);
        Assert.Equal(3, error.EventSeq);
        Assert.Equal("ActivityScheduled(Step)", error.Expected);
        Assert.Equal("TimerStarted", error.Actual);

        // The same check from the command line (exit code 0 = replays cleanly).
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, json);
        var output = new StringWriter();
        Assert.Equal(0, await new WorkflowReplayer().AddWorkflow<VersionedV1>().RunCommandLineAsync([file], output));
        Assert.Equal(1, await new WorkflowReplayer().AddWorkflow<VersionedV2>().RunCommandLineAsync([file], output));
        File.Delete(file);
    }
}

public sealed class DefinitionTests
{
    [Workflow] public sealed class NoRun { public Task RunAsync() => Task.CompletedTask; }
    [Workflow] public sealed class StreamArg { [WorkflowRun] public Task RunAsync(Stream s) => Task.CompletedTask; }
    [Workflow] public sealed class BadSignal { [WorkflowRun] public Task RunAsync() => Task.CompletedTask; [WorkflowSignal] public int Poke() => 1; }
    public sealed class NotAWorkflow { [WorkflowRun] public Task RunAsync() => Task.CompletedTask; }
    public sealed class BadActivities { public Task DoAsync(Action callback) => Task.CompletedTask; }

    [Fact]
    public void Invalid_workflow_and_activity_definitions_are_rejected_naming_the_class_and_member()
    {
        Assert.Equal($"Workflow class {typeof(NoRun).FullName} has no method marked [WorkflowRun]",
            Assert.Throws<WorkflowDefinitionException>(() => WorkflowDefinition.For(typeof(NoRun))).Message);
        Assert.StartsWith($"Workflow class {typeof(StreamArg).FullName} member RunAsync parameter 's' of type Stream is not serialisable",
            Assert.Throws<WorkflowDefinitionException>(() => WorkflowDefinition.For(typeof(StreamArg))).Message);
        Assert.Contains("member Poke", Assert.Throws<WorkflowDefinitionException>(() => WorkflowDefinition.For(typeof(BadSignal))).Message);
        Assert.Contains(typeof(NotAWorkflow).FullName!, Assert.Throws<WorkflowDefinitionException>(() => new DurableWorkerOptions().AddWorkflow(typeof(NotAWorkflow))).Message);
        Assert.StartsWith($"Activity class {typeof(BadActivities).FullName} member DoAsync parameter 'callback'",
            Assert.Throws<WorkflowDefinitionException>(() => new DurableWorkerOptions().AddActivities(typeof(BadActivities))).Message);
        var lambda = (System.Linq.Expressions.Expression<Func<TestActivities, Task<int>>>)(a => Task.FromResult(a.GetHashCode()));
        Assert.Contains("must be a single method call on its parameter", Assert.Throws<WorkflowDefinitionException>(() => MethodCall.From(lambda, "Workflow class X: activity")).Message);
    }

    [Fact]
    public void Cron_expressions_find_the_next_occurrence_in_utc_and_in_a_named_time_zone()
    {
        var at = new DateTimeOffset(2026, 3, 28, 23, 10, 0, TimeSpan.Zero);
        Assert.Equal(new DateTimeOffset(2026, 3, 28, 23, 15, 0, TimeSpan.Zero), CronExpression.Parse("*/15 * * * *").Next(at, TimeZoneInfo.Utc));
        Assert.Equal(new DateTimeOffset(2026, 3, 30, 9, 0, 0, TimeSpan.Zero), CronExpression.Parse("0 9 * * MON-FRI").Next(at, TimeZoneInfo.Utc));
        Assert.Equal(new DateTimeOffset(2026, 4, 1, 0, 0, 0, TimeSpan.Zero), CronExpression.Parse("0 0 1 * *").Next(at, TimeZoneInfo.Utc));
        // Berlin switches to summer time on 29 March 2026: 02:30 local does not exist that day, 06:00 local is 04:00 UTC.
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 4, 0, 0, TimeSpan.Zero), CronExpression.Parse("0 6 * * *").Next(at, berlin));
        Assert.Equal(new DateTimeOffset(2026, 3, 30, 0, 30, 0, TimeSpan.Zero), CronExpression.Parse("30 2 * * *").Next(at, berlin));
        Assert.Throws<FormatException>(() => CronExpression.Parse("61 * * * *"));
        Assert.Throws<FormatException>(() => CronExpression.Parse("* * * *"));
    }
}
