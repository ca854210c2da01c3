using System.Diagnostics;
using Benchmarks.Support;
using global::Durable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using TestSupport;

namespace Durable;

/// <summary>
/// Durable engine benchmarks against a local throw-away PostgreSQL (fsync off, for the baseline too).
/// Usage: dotnet run -c Release --project tests/Benchmarks -- durable [repetitions]
/// </summary>
public static class DurableBenchmarks
{
    const string Queue = "bench";

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length > 0 && args[0] == "worker") return await RunWorkerProcessAsync(args[1], int.Parse(args[2]));
        var repetitions = args.Length > 0 ? int.Parse(args[0]) : 3;
        var postgres = new PostgresFixture();
        await postgres.InitializeAsync();
        try
        {
            Console.WriteLine($"Durable benchmarks: {Environment.ProcessorCount} cores, PostgreSQL 15 local (fsync off), {repetitions} repetitions, medians shown");
            var baseline1 = await Median(repetitions, () => BaselineAsync(postgres, connections: 1, steps: 4000));
            var baseline2 = await Median(repetitions, () => BaselineAsync(postgres, connections: 2, steps: 4000));
            Console.WriteLine($"baseline INSERT+UPDATE per step: {baseline1:F0} steps/s (1 connection), {baseline2:F0} steps/s (2 connections)");

            var starts = await Median(repetitions, () => StartsPerSecondAsync(postgres, 2000));
            Console.WriteLine($"workflows started: {starts:F0} /s (4 concurrent starters)");

            var steps1 = await Median(repetitions, () => StepsPerSecondAsync(postgres, workers: 1));
            var steps2 = await Median(repetitions, () => StepsPerSecondAsync(postgres, workers: 2));
            Console.WriteLine($"activity steps completed: {steps1:F0} /s (1 worker process), {steps2:F0} /s (2 worker processes)");
            Console.WriteLine($"ratio to baseline: {steps1 / baseline1:F2} (1 worker vs 1 connection), {steps2 / baseline2:F2} (2 workers vs 2 connections)");

            var (p50, p99, stepP50, stepP99) = await StepOverheadAsync(postgres);
            Console.WriteLine($"no-op activity schedule->complete: p50 {p50:F2} ms, p99 {p99:F2} ms; full step (complete->next complete, incl. workflow task): p50 {stepP50:F2} ms, p99 {stepP99:F2} ms");

            var takeover = await Median(repetitions, () => TakeoverAsync(postgres, leaseMs: 2000));
            Console.WriteLine($"worker death to takeover: {takeover:F0} ms (lease 2000 ms; target <= 3000 ms)");

            var (before, after, threadsBefore, threadsAfter) = await ParkedMemoryAsync(postgres, 10_000);
            Console.WriteLine($"worker with 10,000 parked runs (5,000 on timers, 5,000 on signals): RSS {before:F0} MB -> {after:F0} MB, threads {threadsBefore} -> {threadsAfter}");
            return 0;
        }
        finally
        {
            await postgres.DisposeAsync();
        }
    }

    static async Task<double> Median(int repetitions, Func<Task<double>> measure)
    {
        var values = new List<double>();
        for (var i = 0; i < repetitions; i++) values.Add(await measure());
        return Bench.Median(values);
    }

    static async Task<NpgsqlDataSource> NewDatabaseAsync(PostgresFixture postgres)
    {
        var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("bench"));
        await global::Durable.Storage.DurableSchema.ApplyAsync(dataSource);
        return dataSource;
    }

    static async Task<double> BaselineAsync(PostgresFixture postgres, int connections, int steps)
    {
        await using var dataSource = await NewDatabaseAsync(postgres);
        await using (var create = dataSource.CreateCommand("CREATE TABLE steps (id bigserial PRIMARY KEY, step int NOT NULL, state text NOT NULL)"))
            await create.ExecuteNonQueryAsync();
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            for (var i = 0; i < steps / connections; i++)
            {
                await using var insert = new NpgsqlCommand("INSERT INTO steps (step, state) VALUES ($1, 'scheduled') RETURNING id", connection) { Parameters = { new() { Value = i } } };
                var id = (long)(await insert.ExecuteScalarAsync())!;
                await using var update = new NpgsqlCommand("UPDATE steps SET state = 'completed' WHERE id = $1", connection) { Parameters = { new() { Value = id } } };
                await update.ExecuteNonQueryAsync();
            }
        }));
        return steps / watch.Elapsed.TotalSeconds;
    }

    static async Task<double> StartsPerSecondAsync(PostgresFixture postgres, int count)
    {
        await using var dataSource = await NewDatabaseAsync(postgres);
        var client = new DurableClient(dataSource);
        var next = 0;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) <= count)
                await client.StartWorkflowAsync((ParkedWorkflow w) => w.RunAsync(false), new WorkflowOptions($"start-{i}", Queue));
        }));
        return count / watch.Elapsed.TotalSeconds;
    }

    static async Task<double> StepsPerSecondAsync(PostgresFixture postgres, int workers)
    {
        const int Workflows = 100, Steps = 20, WarmupWorkflows = 20;
        await using var dataSource = await NewDatabaseAsync(postgres);
        var processes = new List<Process>();
        try
        {
            for (var i = 0; i < workers; i++) processes.Add(await StartWorkerProcessAsync(dataSource.ConnectionString, 30_000));
            var client = new DurableClient(dataSource);
            // Warm-up outside the timed window: fresh worker processes JIT-compile the engine on their first steps, which
            // on 2 cores costs seconds per process. 20 workflows x 5 steps reach every worker (they all claim from the queue).
            for (var i = 0; i < WarmupWorkflows; i++) await client.StartWorkflowAsync((StepsWorkflow w) => w.RunAsync(5), new WorkflowOptions($"warmup-{i}", Queue));
            await WaitForAsync(dataSource, "SELECT count(*) = $1 FROM durable.runs WHERE status = 'Completed'", WarmupWorkflows);
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < Workflows; i++) await client.StartWorkflowAsync((StepsWorkflow w) => w.RunAsync(Steps), new WorkflowOptions($"steps-{i}", Queue));
            await WaitForAsync(dataSource, "SELECT count(*) = $1 FROM durable.runs WHERE status = 'Completed'", WarmupWorkflows + Workflows);
            var rate = Workflows * Steps / watch.Elapsed.TotalSeconds;
            if (workers > 1)
            {
                // A workflow task on another worker than the run's previous one misses that worker's cache and replays the history.
                await using var switches = dataSource.CreateCommand(WorkerSwitchesSql);
                Console.WriteLine($"  ({workers} workers, {rate:F0} steps/s: {(double)(await switches.ExecuteScalarAsync())!:P0} of workflow tasks ran on another worker than the run's previous task)");
            }
            return rate;
        }
        finally
        {
            foreach (var p in processes) { p.Kill(); await p.WaitForExitAsync(); }
        }
    }

    const string WorkerSwitchesSql = """
        SELECT coalesce(avg((identity <> previous)::int), 0)::float8 FROM (
            SELECT attributes->>'identity' AS identity, lag(attributes->>'identity') OVER (PARTITION BY run_id ORDER BY seq) AS previous
            FROM durable.events WHERE type = 'WorkflowTaskCompleted') t
        WHERE previous IS NOT NULL
        """;

    static async Task<(double, double, double, double)> StepOverheadAsync(PostgresFixture postgres)
    {
        await using var dataSource = await NewDatabaseAsync(postgres);
        using var host = BuildWorker(dataSource.ConnectionString, 30_000);
        await host.StartAsync();
        var client = new DurableClient(dataSource);
        await client.ExecuteWorkflowAsync((StepsWorkflow w) => w.RunAsync(20), new WorkflowOptions("warmup", Queue));
        await client.ExecuteWorkflowAsync((StepsWorkflow w) => w.RunAsync(500), new WorkflowOptions("overhead", Queue));
        var history = await client.GetWorkflowHandle("overhead").FetchHistoryAsync();
        await host.StopAsync();
        var scheduled = history.Events.Where(e => e.Type == EventTypes.ActivityScheduled).ToDictionary(e => e.Attributes.CommandIndex!.Value, e => e.Time);
        var completed = history.Events.Where(e => e.Type == EventTypes.ActivityCompleted).ToList();
        var overhead = completed.Select(e => (e.Time - scheduled[e.Attributes.CommandIndex!.Value]).TotalMilliseconds).Order().ToList();
        var step = completed.Zip(completed.Skip(1), (a, b) => (b.Time - a.Time).TotalMilliseconds).Order().ToList();
        return (Percentile(overhead, 0.5), Percentile(overhead, 0.99), Percentile(step, 0.5), Percentile(step, 0.99));
    }

    static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)(sorted.Count * p))];

    static async Task<double> TakeoverAsync(PostgresFixture postgres, int leaseMs)
    {
        await using var dataSource = await NewDatabaseAsync(postgres);
        var doomed = await StartWorkerProcessAsync(dataSource.ConnectionString, leaseMs);
        var survivor = await StartWorkerProcessAsync(dataSource.ConnectionString, leaseMs);
        try
        {
            var client = new DurableClient(dataSource);
            await client.StartWorkflowAsync((HoldWorkflow w) => w.RunAsync(600_000), new WorkflowOptions("hold", Queue));
            await WaitForAsync(dataSource, "SELECT count(*) = $1 FROM durable.activity_tasks WHERE attempt = 1 AND lease_owner IS NOT NULL", 1);
            await using var owner = dataSource.CreateCommand("SELECT lease_owner FROM durable.activity_tasks");
            var holder = (string)(await owner.ExecuteScalarAsync())!;
            var victim = holder.Contains($":{doomed.Id}:") ? doomed : survivor;
            var watch = Stopwatch.StartNew();
            victim.Kill();
            await WaitForAsync(dataSource, "SELECT count(*) = $1 FROM durable.activity_tasks WHERE attempt = 2 AND lease_owner IS NOT NULL", 1);
            return watch.Elapsed.TotalMilliseconds;
        }
        finally
        {
            foreach (var p in new[] { doomed, survivor }) if (!p.HasExited) { p.Kill(); await p.WaitForExitAsync(); }
        }
    }

    static async Task<(double, double, long, long)> ParkedMemoryAsync(PostgresFixture postgres, int count)
    {
        await using var dataSource = await NewDatabaseAsync(postgres);
        var worker = await StartWorkerProcessAsync(dataSource.ConnectionString, 30_000);
        try
        {
            var client = new DurableClient(dataSource);
            await client.ExecuteWorkflowAsync((StepsWorkflow w) => w.RunAsync(5), new WorkflowOptions("warmup", Queue));
            await Task.Delay(2000);
            var (rssBefore, threadsBefore) = Sample(worker.Id);
            var next = 0;
            await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) <= count)
                    await client.StartWorkflowAsync((ParkedWorkflow w) => w.RunAsync(i % 2 == 0), new WorkflowOptions($"parked-{i}", Queue));
            }));
            // Every run has had its first workflow task and now waits: no task rows left, timers and conditions pending.
            await WaitForAsync(dataSource, "SELECT count(*) = 0 AND $1 > 0 FROM durable.workflow_tasks", 1, TimeSpan.FromMinutes(5));
            GC.KeepAlive(client);
            await Task.Delay(2000);
            var (rssAfter, threadsAfter) = Sample(worker.Id);
            return (rssBefore, rssAfter, threadsBefore, threadsAfter);
        }
        finally
        {
            worker.Kill();
            await worker.WaitForExitAsync();
        }
    }

    static (double RssMb, long Threads) Sample(int pid)
    {
        var status = File.ReadAllLines($"/proc/{pid}/status");
        var rss = long.Parse(status.First(l => l.StartsWith("VmRSS:")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        var threads = long.Parse(status.First(l => l.StartsWith("Threads:")).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1]);
        return (rss / 1024.0, threads);
    }

    static async Task WaitForAsync(NpgsqlDataSource dataSource, string sql, int value, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(2));
        while (true)
        {
            await using var command = dataSource.CreateCommand(sql);
            command.Parameters.Add(new() { Value = value });
            if ((bool)(await command.ExecuteScalarAsync())!) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException(sql);
            await Task.Delay(10);
        }
    }

    static async Task<Process> StartWorkerProcessAsync(string connectionString, int leaseMs)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { typeof(DurableBenchmarks).Assembly.Location, "durable", "worker", connectionString, leaseMs.ToString() }) psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        if (await process.StandardOutput.ReadLineAsync() != "ready") throw new InvalidOperationException("bench worker did not start");
        _ = process.StandardOutput.ReadToEndAsync();
        return process;
    }

    static IHost BuildWorker(string connectionString, int leaseMs)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(NpgsqlDataSource.Create(connectionString));
        builder.Services.AddDurableWorker(o =>
        {
            o.TaskQueue = Queue;
            o.LeaseDuration = TimeSpan.FromMilliseconds(leaseMs);
            o.MaxConcurrentWorkflowTasks = 16;
            o.MaxConcurrentActivities = 32;
        }).AddWorkflow<StepsWorkflow>().AddWorkflow<HoldWorkflow>().AddWorkflow<ParkedWorkflow>().AddActivities<BenchActivities>();
        return builder.Build();
    }

    static async Task<int> RunWorkerProcessAsync(string connectionString, int leaseMs)
    {
        using var host = BuildWorker(connectionString, leaseMs);
        await host.StartAsync();
        Console.WriteLine("ready");
        await host.WaitForShutdownAsync();
        return 0;
    }
}
