using System.Diagnostics;
using Benchmarks.Support;
using Npgsql;
using Temporalio.Activities;
using Temporalio.Client;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace Temporal.Benchmarks;

/// <summary>
/// TemporalServer under the real Temporal SDK (client and an in-process worker) on a throw-away PostgreSQL:
/// workflows started and completed per second with one no-op activity each, and the activity step round trip (an
/// activity completes → the worker's workflow task schedules the next → that activity starts) in a workflow of
/// sequential no-op activities. Baseline, measured in the same run on the same PostgreSQL cluster: the bare writes
/// the old engine made per step, an INSERT of the step and the UPDATE completing it, each committed on its own
/// (sequentially for the step latency, at the same concurrency for the throughput).
/// Usage: benchmarks temporal [--workflows 400] [--concurrency 40] [--steps 200]
/// </summary>
public static class TemporalServerBenchmark
{
    const string TaskQueue = "temporal-bench";

    public static async Task<int> RunAsync(string[] args)
    {
        var workflows = Bench.Option(args, "--workflows", 400);
        var concurrency = Bench.Option(args, "--concurrency", 40);
        var steps = Bench.Option(args, "--steps", 200);
        Console.WriteLine($"temporal: {workflows} workflows of one no-op activity ({concurrency} at a time), then one workflow of {steps} sequential no-op activities; in-process worker");

        await using var servers = await BenchServers.StartAsync();
        var temporal = await servers.TemporalAsync();
        var client = await TemporalClient.ConnectAsync(new(temporal.Target));
        using var stop = new CancellationTokenSource();
        var activities = new StepActivities();
        using var worker = new TemporalWorker(client, new TemporalWorkerOptions(TaskQueue)
            .AddWorkflow<OneStepWorkflow>().AddWorkflow<StepsWorkflow>().AddAllActivities(activities));
        var running = worker.ExecuteAsync(stop.Token);
        try
        {
            await RunWorkflowsAsync(client, 20, concurrency); // warm-up: connections, JIT, the worker's pollers
            var temporalRate = await RunWorkflowsAsync(client, workflows, concurrency);

            activities.Starts.Clear();
            await client.ExecuteWorkflowAsync((StepsWorkflow wf) => wf.RunAsync(steps), new($"steps-{Guid.NewGuid()}", TaskQueue));
            var stepGaps = activities.Starts.Zip(activities.Starts.Skip(1), (a, b) => Stopwatch.GetElapsedTime(a.At, b.At).TotalMilliseconds).ToList();
            var scheduleToStart = activities.Starts.Select(s => s.ScheduleToStart.TotalMilliseconds).ToList();

            var database = await servers.CreateDatabaseAsync("baseline");
            await using var dataSource = NpgsqlDataSource.Create(database);
            await using (var create = dataSource.CreateCommand("CREATE TABLE steps (id bigserial PRIMARY KEY, run uuid NOT NULL, state text NOT NULL, result text)"))
                await create.ExecuteNonQueryAsync();
            var baselineStep = new List<double>();
            for (var i = 0; i < steps; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await WriteStepAsync(dataSource);
                baselineStep.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            var baselineRate = await RateAsync(workflows, concurrency, () => WriteStepAsync(dataSource));

            var step = new Latencies(stepGaps);
            var bare = new Latencies(baselineStep);
            Console.WriteLine($"workflows started+completed: {temporalRate,8:F1}/s   baseline INSERT+UPDATE per workflow: {baselineRate,8:F1}/s   baseline/TemporalServer {baselineRate / temporalRate,6:F1}x");
            Console.WriteLine($"activity step round trip:    {step}");
            Console.WriteLine($"baseline INSERT+UPDATE:      {bare}");
            Console.WriteLine($"step p50 / baseline p50:     {step.P50 / bare.P50:F1}x");
            Console.WriteLine($"activity schedule-to-start (server clock): {new Latencies(scheduleToStart)}");
            return 0;
        }
        finally
        {
            await stop.CancelAsync();
            try
            {
                await running;
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    static Task<double> RunWorkflowsAsync(TemporalClient client, int count, int concurrency) =>
        RateAsync(count, concurrency, () => client.ExecuteWorkflowAsync((OneStepWorkflow wf) => wf.RunAsync(), new($"one-{Guid.NewGuid()}", TaskQueue)));

    /// <summary>Units per second for <paramref name="count"/> units run at most <paramref name="concurrency"/> at a time.</summary>
    static async Task<double> RateAsync(int count, int concurrency, Func<Task> unit)
    {
        using var slots = new SemaphoreSlim(concurrency);
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
        {
            await slots.WaitAsync();
            try
            {
                await unit();
            }
            finally
            {
                slots.Release();
            }
        }));
        return count / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    /// <summary>The old engine's per-step writes: the step row, then its completion, each in its own transaction.</summary>
    static async Task WriteStepAsync(NpgsqlDataSource dataSource)
    {
        await using var insert = dataSource.CreateCommand("INSERT INTO steps (run, state) VALUES ($1, 'scheduled') RETURNING id");
        insert.Parameters.Add(new() { Value = Guid.NewGuid() });
        var id = (long)(await insert.ExecuteScalarAsync())!;
        await using var complete = dataSource.CreateCommand("UPDATE steps SET state = 'completed', result = 'ok' WHERE id = $1");
        complete.Parameters.Add(new() { Value = id });
        await complete.ExecuteNonQueryAsync();
    }
}

[Workflow]
public sealed class OneStepWorkflow
{
    [WorkflowRun]
    public Task<string> RunAsync() =>
        Workflow.ExecuteActivityAsync((StepActivities a) => a.Step(), new() { StartToCloseTimeout = TimeSpan.FromSeconds(30) });
}

[Workflow]
public sealed class StepsWorkflow
{
    [WorkflowRun]
    public async Task RunAsync(int steps)
    {
        for (var i = 0; i < steps; i++)
            await Workflow.ExecuteActivityAsync((StepActivities a) => a.Step(), new() { StartToCloseTimeout = TimeSpan.FromSeconds(30) });
    }
}

/// <summary>A no-op activity that notes when each execution began (local clock) and its schedule-to-start (server clock).</summary>
public sealed class StepActivities
{
    public List<(long At, TimeSpan ScheduleToStart)> Starts { get; } = [];

    [Activity]
    public string Step()
    {
        var info = ActivityExecutionContext.Current.Info;
        lock (Starts) Starts.Add((Stopwatch.GetTimestamp(), info.StartedTime - info.CurrentAttemptScheduledTime));
        return "ok";
    }
}
