using System.Diagnostics;
using System.Globalization;
using Benchmarks.Support;
using Npgsql;
using Temporalio.Client;
using Temporalio.Worker;
using TestSupport;

namespace Temporal.Benchmarks;

/// <summary>
/// TemporalServer under the real Temporal SDK on a throw-away PostgreSQL, against baselines measured in the same run:
/// <list type="bullet">
/// <item>workflow starts/s (StartWorkflowExecution, <c>--concurrency</c> at a time) and those workflows (one no-op
/// activity each) completed/s, with an in-process worker;</item>
/// <item>the activity step round trip (an activity completes → the workflow task schedules the next → it starts) in
/// one workflow of <c>--steps</c> sequential no-op activities, and each activity's schedule-to-start;</item>
/// <item>activity steps/s with 1 and with 2 worker processes (<see cref="BenchWorker"/>, this program started again):
/// <c>--step-workflows</c> workflows of <c>--steps-each</c> sequential activities at once; p50/p99 schedule-to-start
/// as the workers saw it;</item>
/// <item>server RSS with <c>--parked</c> workflows parked on a one-hour timer (from /proc).</item>
/// </list>
/// Baselines: the old engine's per-step writes (an INSERT of the step and the UPDATE completing it, each committed on
/// its own, on the same PostgreSQL cluster), and with <c>--probe host:port</c> the in-memory probe server (the same
/// measurements but the parked RSS; see docs/benchmarks.md for starting it).
/// </summary>
public static class TemporalServerBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = new Options(
            Workflows: Bench.Option(args, "--workflows", 400),
            Concurrency: Bench.Option(args, "--concurrency", 40),
            Steps: Bench.Option(args, "--steps", 200),
            StepWorkflows: Bench.Option(args, "--step-workflows", 50),
            StepsEach: Bench.Option(args, "--steps-each", 40),
            Parked: Bench.Option(args, "--parked", 10_000));
        var probe = Bench.Option(args, "--probe", "");
        Console.WriteLine($"temporal: {options}; probe: {(probe == "" ? "none (--probe host:port)" : probe)}; load average {LoadAverage()}");

        await using var servers = await BenchServers.StartAsync();
        var database = await servers.CreateDatabaseAsync("temporal");
        Measured ours;
        Parked parked;
        await using (var server = await TemporalServerFixture.StartAsync(database))
        {
            ours = await MeasureAsync(server.Target, options);
            parked = await ParkAsync(server, database, options.Parked);
        }
        var theirs = probe == "" ? null : await MeasureAsync(probe, options);
        var baseline = await BaselineAsync(servers, options);

        Console.WriteLine();
        Console.WriteLine($"load average after the run: {LoadAverage()}");
        Console.WriteLine($"{"measure",-52} {"TemporalServer",16} {"probe (memory)",16} {"INSERT+UPDATE",16}");
        Row("workflow starts/s", ours.StartsPerSecond, theirs?.StartsPerSecond, null);
        Row("workflows started+completed/s (1 activity each)", ours.CompletedPerSecond, theirs?.CompletedPerSecond, baseline.StepsPerSecond);
        Row("activity steps/s, 1 worker process", ours.StepsPerSecond[0], theirs?.StepsPerSecond[0], baseline.StepsPerSecond);
        Row("activity steps/s, 2 worker processes", ours.StepsPerSecond[1], theirs?.StepsPerSecond[1], baseline.StepsPerSecond);
        Row("step round trip p50 (ms, one workflow)", ours.Step.P50, theirs?.Step.P50, baseline.Step.P50);
        Row("step round trip p95 (ms, one workflow)", ours.Step.P95, theirs?.Step.P95, baseline.Step.P95);
        Row("schedule-to-start p50 (ms, one workflow)", ours.ScheduleToStart.P50, theirs?.ScheduleToStart.P50, null);
        Row("schedule-to-start p50 (ms, 2 workers loaded)", ours.LoadedScheduleToStart.P50, theirs?.LoadedScheduleToStart.P50, null);
        Row("schedule-to-start p99 (ms, 2 workers loaded)", Bench.Percentile(ours.LoadedScheduleToStart.Milliseconds, 0.99),
            theirs is null ? null : Bench.Percentile(theirs.LoadedScheduleToStart.Milliseconds, 0.99), null);
        Console.WriteLine($"{options.Parked} workflows parked on a timer: server RSS {parked.RssMegabytes:F0} MB (peak {parked.PeakRssMegabytes:F0} MB; " +
            $"anonymous {parked.AnonymousMegabytes:F0} MB, files {parked.FileMegabytes:F0} MB), started and parked at {parked.PerSecond:F0}/s");
        Console.WriteLine($"ratios: 2-worker steps/s vs INSERT+UPDATE/s {ours.StepsPerSecond[1] / baseline.StepsPerSecond:F2}x; " +
            $"step p50 vs INSERT+UPDATE p50 {ours.Step.P50 / baseline.Step.P50:F1}x" +
            (theirs is null ? "" : $"; 2-worker steps/s vs probe {ours.StepsPerSecond[1] / theirs.StepsPerSecond[1]:F2}x; step p50 vs probe {ours.Step.P50 / theirs.Step.P50:F1}x"));
        return 0;
    }

    sealed record Options(int Workflows, int Concurrency, int Steps, int StepWorkflows, int StepsEach, int Parked);

    sealed record Measured(double StartsPerSecond, double CompletedPerSecond, Latencies Step, Latencies ScheduleToStart,
        double[] StepsPerSecond, Latencies LoadedScheduleToStart);

    /// <summary>Anonymous: the GC heap, JIT code and native allocations; files: mapped code (the runtime, assemblies).</summary>
    sealed record Parked(double RssMegabytes, double PeakRssMegabytes, double AnonymousMegabytes, double FileMegabytes, double PerSecond);

    sealed record Baseline(double StepsPerSecond, Latencies Step);

    static void Row(string measure, double ours, double? probe, double? baseline) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{measure,-52} {ours,16:F1} {(probe is { } p ? p.ToString("F1", CultureInfo.InvariantCulture) : "-"),16} {(baseline is { } b ? b.ToString("F1", CultureInfo.InvariantCulture) : "-"),16}"));

    static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0..3] is var l ? string.Join(' ', l) : "";

    /// <summary>Everything but the parked workflows, against the frontend at <paramref name="target"/>.</summary>
    static async Task<Measured> MeasureAsync(string target, Options options)
    {
        Console.WriteLine($"measuring {target}");
        var client = await TemporalClient.ConnectAsync(new(target));
        var taskQueue = $"bench-{Guid.NewGuid():N}";
        var activities = new StepActivities();
        double startsPerSecond, completedPerSecond;
        using (var stop = new CancellationTokenSource())
        using (var worker = new TemporalWorker(client, new TemporalWorkerOptions(taskQueue).AddWorkflow<OneStepWorkflow>().AddWorkflow<StepsWorkflow>().AddAllActivities(activities)))
        {
            var running = worker.ExecuteAsync(stop.Token);
            await StartAndCompleteAsync(client, taskQueue, 20, options.Concurrency); // warm-up: connections, JIT, the worker's pollers
            (startsPerSecond, completedPerSecond) = await StartAndCompleteAsync(client, taskQueue, options.Workflows, options.Concurrency);
            activities.Starts.Clear();
            await client.ExecuteWorkflowAsync((StepsWorkflow wf) => wf.RunAsync(options.Steps), new($"steps-{Guid.NewGuid()}", taskQueue));
            await stop.CancelAsync();
            await running.ContinueWith(_ => { }, TaskScheduler.Default);
        }
        var starts = activities.Snapshot();
        var step = new Latencies(starts.Zip(starts.Skip(1), (a, b) => Stopwatch.GetElapsedTime(a.At, b.At).TotalMilliseconds).ToList());
        var scheduleToStart = new Latencies(starts.Select(s => s.ScheduleToStart.TotalMilliseconds).ToList());

        var stepsPerSecond = new double[2];
        Latencies? loaded = null;
        for (var workers = 1; workers <= 2; workers++)
            (stepsPerSecond[workers - 1], loaded) = await StepsWithWorkerProcessesAsync(client, target, workers, options);
        Console.WriteLine($"  starts {startsPerSecond:F1}/s, completed {completedPerSecond:F1}/s, step {step}, steps/s {stepsPerSecond[0]:F1} (1 worker) {stepsPerSecond[1]:F1} (2 workers)");
        return new Measured(startsPerSecond, completedPerSecond, step, scheduleToStart, stepsPerSecond, loaded!);
    }

    /// <summary>Starts/s of <paramref name="count"/> one-activity workflows, then completed/s from the first start to the last result.</summary>
    static async Task<(double Starts, double Completed)> StartAndCompleteAsync(TemporalClient client, string taskQueue, int count, int concurrency)
    {
        var began = Stopwatch.GetTimestamp();
        var handles = new WorkflowHandle[count];
        await ForEachAsync(count, concurrency, async i =>
            handles[i] = await client.StartWorkflowAsync((OneStepWorkflow wf) => wf.RunAsync(), new($"one-{Guid.NewGuid()}", taskQueue)));
        var starts = count / Stopwatch.GetElapsedTime(began).TotalSeconds;
        await ForEachAsync(count, concurrency, i => handles[i].GetResultAsync());
        return (starts, count / Stopwatch.GetElapsedTime(began).TotalSeconds);
    }

    /// <summary>Activity steps/s of many sequential-activity workflows at once on <paramref name="workers"/> worker processes.</summary>
    static async Task<(double StepsPerSecond, Latencies ScheduleToStart)> StepsWithWorkerProcessesAsync(TemporalClient client, string target, int workers, Options options)
    {
        var taskQueue = $"bench-{workers}w-{Guid.NewGuid():N}";
        var processes = new List<BenchWorker.Process>();
        try
        {
            for (var i = 0; i < workers; i++) processes.Add(await BenchWorker.Process.StartAsync(target, taskQueue));
            var began = Stopwatch.GetTimestamp();
            await ForEachAsync(options.StepWorkflows, options.StepWorkflows, _ =>
                client.ExecuteWorkflowAsync((StepsWorkflow wf) => wf.RunAsync(options.StepsEach), new($"steps-{Guid.NewGuid()}", taskQueue)));
            var perSecond = options.StepWorkflows * options.StepsEach / Stopwatch.GetElapsedTime(began).TotalSeconds;
            var scheduleToStart = new List<double>();
            foreach (var process in processes) scheduleToStart.AddRange(await process.StopAsync());
            return (perSecond, new Latencies(scheduleToStart));
        }
        finally
        {
            foreach (var process in processes) process.Dispose();
        }
    }

    /// <summary>Starts <paramref name="count"/> workflows that each wait an hour on a timer; server RSS once all wait.</summary>
    static async Task<Parked> ParkAsync(TemporalServerFixture server, string database, int count)
    {
        Console.WriteLine($"parking {count} workflows");
        var client = await TemporalClient.ConnectAsync(new(server.Target));
        var taskQueue = $"bench-parked-{Guid.NewGuid():N}";
        using var stop = new CancellationTokenSource();
        // Every first task comes from the normal queue, which the SDK gives one poller in five by default.
        using var worker = new TemporalWorker(client, new TemporalWorkerOptions(taskQueue) { MaxConcurrentWorkflowTaskPolls = 10, NonStickyToStickyPollRatio = 1 }
            .AddWorkflow<ParkedWorkflow>());
        var running = worker.ExecuteAsync(stop.Token);
        var began = Stopwatch.GetTimestamp();
        await ForEachAsync(count, 100, _ => client.StartWorkflowAsync((ParkedWorkflow wf) => wf.RunAsync(), new($"parked-{Guid.NewGuid()}", taskQueue)));
        // Parked = its timer is in the server's timer table (the worker's first task completed).
        await using var dataSource = NpgsqlDataSource.Create(database);
        while (true)
        {
            await using var countTimers = dataSource.CreateCommand("SELECT count(*) FROM temporal.timers WHERE kind = 1");
            if ((long)(await countTimers.ExecuteScalarAsync())! >= count) break;
            if (Stopwatch.GetElapsedTime(began) > TimeSpan.FromMinutes(5)) throw new TimeoutException($"{count} workflows not parked after 5 minutes");
            await Task.Delay(250);
        }
        var perSecond = count / Stopwatch.GetElapsedTime(began).TotalSeconds;
        await stop.CancelAsync();
        await running.ContinueWith(_ => { }, TaskScheduler.Default);
        // Settled: what the server keeps while the workflows wait, not its garbage from starting them.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var status = File.ReadAllLines($"/proc/{server.Process.Pid}/status");
        double Megabytes(string field) => long.Parse(status.Single(l => l.StartsWith(field + ":", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
        return new Parked(Megabytes("VmRSS"), Megabytes("VmHWM"), Megabytes("RssAnon"), Megabytes("RssFile"), perSecond);
    }

    static async Task<Baseline> BaselineAsync(BenchServers servers, Options options)
    {
        var database = await servers.CreateDatabaseAsync("baseline");
        await using var dataSource = NpgsqlDataSource.Create(database);
        await using (var create = dataSource.CreateCommand("CREATE TABLE steps (id bigserial PRIMARY KEY, run uuid NOT NULL, state text NOT NULL, result text)"))
            await create.ExecuteNonQueryAsync();
        var step = new List<double>();
        for (var i = 0; i < options.Steps; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await WriteStepAsync(dataSource);
            step.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        var count = options.StepWorkflows * options.StepsEach;
        var began = Stopwatch.GetTimestamp();
        await ForEachAsync(count, options.StepWorkflows, _ => WriteStepAsync(dataSource));
        return new Baseline(count / Stopwatch.GetElapsedTime(began).TotalSeconds, new Latencies(step));
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

    /// <summary>Runs <paramref name="unit"/> for 0..count-1, at most <paramref name="concurrency"/> at a time.</summary>
    static async Task ForEachAsync(int count, int concurrency, Func<int, Task> unit)
    {
        using var slots = new SemaphoreSlim(concurrency);
        await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            await slots.WaitAsync();
            try
            {
                await unit(i);
            }
            finally
            {
                slots.Release();
            }
        }));
    }
}
