using System.Diagnostics;
using System.Globalization;
using Benchmarks.Support;
using Temporalio.Client;
using Temporalio.Worker;

namespace Temporal.Benchmarks;

/// <summary>
/// A worker process of the temporal suite (<c>benchmarks temporal-worker --target host:port --task-queue q</c>): runs
/// <see cref="StepsWorkflow"/> and its activity with the SDK's default options until its standard input closes, then
/// prints each activity's schedule-to-start in milliseconds on one line.
/// </summary>
public static class BenchWorker
{
    public const string ReadyLine = "worker ready";
    const string ScheduleToStartPrefix = "schedule-to-start-ms ";

    public static async Task<int> RunAsync(string[] args)
    {
        var target = Bench.Option(args, "--target", "");
        var taskQueue = Bench.Option(args, "--task-queue", "");
        var client = await TemporalClient.ConnectAsync(new(target));
        var activities = new StepActivities();
        using var stop = new CancellationTokenSource();
        using var worker = new TemporalWorker(client, new TemporalWorkerOptions(taskQueue).AddWorkflow<StepsWorkflow>().AddAllActivities(activities));
        var running = worker.ExecuteAsync(stop.Token);
        Console.WriteLine(ReadyLine);
        await Console.In.ReadToEndAsync();
        await stop.CancelAsync();
        await running.ContinueWith(_ => { }, TaskScheduler.Default);
        Console.WriteLine(ScheduleToStartPrefix + string.Join(',', activities.Snapshot().Select(s => s.ScheduleToStart.TotalMilliseconds.ToString("F2", CultureInfo.InvariantCulture))));
        return 0;
    }

    /// <summary>The parent's handle on a worker process: this program started again with <c>temporal-worker</c>.</summary>
    public sealed class Process : IDisposable
    {
        readonly System.Diagnostics.Process _process;

        Process(System.Diagnostics.Process process) => _process = process;

        public static async Task<Process> StartAsync(string target, string taskQueue)
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var arg in new[] { typeof(BenchWorker).Assembly.Location, "temporal-worker", "--target", target, "--task-queue", taskQueue }) psi.ArgumentList.Add(arg);
            var process = new Process(System.Diagnostics.Process.Start(psi)!);
            while (await process._process.StandardOutput.ReadLineAsync() is { } line)
                if (line == ReadyLine) return process;
            throw new InvalidOperationException($"the worker process exited with {process._process.ExitCode} before it was ready");
        }

        /// <summary>Closes the worker's input (it shuts down) and returns the schedule-to-start latencies it saw.</summary>
        public async Task<IReadOnlyList<double>> StopAsync()
        {
            _process.StandardInput.Close();
            var latencies = new List<double>();
            while (await _process.StandardOutput.ReadLineAsync() is { } line)
                if (line.StartsWith(ScheduleToStartPrefix, StringComparison.Ordinal) && line.Length > ScheduleToStartPrefix.Length)
                    latencies.AddRange(line[ScheduleToStartPrefix.Length..].Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)));
            await _process.WaitForExitAsync();
            return latencies;
        }

        public void Dispose()
        {
            if (!_process.HasExited) _process.Kill();
            _process.Dispose();
        }
    }
}
