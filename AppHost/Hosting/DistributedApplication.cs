using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using LocalServers;
using Microsoft.Extensions.Configuration;

namespace AppHost.Hosting;

/// <summary>
/// Runs the graph: starts every resource once its dependencies are started (references) or healthy (WaitFor),
/// watches health, and on Ctrl+C or SIGTERM stops everything in reverse start order.
/// </summary>
public sealed class DistributedApplication(IReadOnlyList<Resource> startOrder, LaunchContext context)
{
    readonly Dictionary<Resource, Task> _healthy = [];
    readonly ConsoleOutput _output = context.Output;

    public IReadOnlyList<Resource> Resources => startOrder;

    /// <summary>Runs until a stop signal; returns the process exit code (0 after a clean stop).</summary>
    public async Task<int> RunAsync()
    {
        using var stopping = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        var exitCode = 0;
        var started = new List<Resource>();
        try
        {
            await StartAllAsync(started, stopping.Token);
            await MonitorAsync(stopping.Token);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (MissingPrerequisiteException e)
        {
            Console.Error.WriteLine(e.Message);
            exitCode = 2;
        }
        catch (Exception e)
        {
            _output.Info($"startup failed: {e.Message}");
            exitCode = 1;
        }
        await StopAllAsync(started);
        return exitCode;

        void Stop(PosixSignalContext signal)
        {
            signal.Cancel = true; // we shut down ourselves, in order
            if (!stopping.IsCancellationRequested) _output.Info($"{signal.Signal} received: stopping");
            stopping.Cancel();
        }
    }

    async Task StartAllAsync(List<Resource> started, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(context.DataDirectory);
        foreach (var project in startOrder.OfType<ProjectResource>()) project.AssignPort(context);

        var starts = new Dictionary<Resource, Task>();
        var timeout = TimeSpan.FromSeconds(context.Configuration.GetValue("HealthTimeoutSeconds", 120));
        foreach (var resource in startOrder)
        {
            var dependencies = resource.References.Select(r => starts[r]).Concat(resource.WaitsFor.Select(w => _healthy[w])).ToList();
            var start = StartOneAsync(resource, dependencies, started, ct);
            starts[resource] = start;
            _healthy[resource] = WaitHealthyAsync(resource, start, timeout, clock, ct);
        }
        await Task.WhenAll(_healthy.Values);
        _output.Info($"all {startOrder.Count} resources healthy in {clock.Elapsed.TotalSeconds:F1} s");
        foreach (var project in startOrder.OfType<ProjectResource>()) _output.Info($"{project.Name}: {project.Url}");
        WriteState(healthy: true);
    }

    async Task StartOneAsync(Resource resource, IReadOnlyList<Task> dependencies, List<Resource> started, CancellationToken ct)
    {
        await Task.WhenAll(dependencies);
        ct.ThrowIfCancellationRequested();
        lock (started) started.Add(resource); // stop it even if its start fails half-way
        if (resource is InfrastructureResource { IsExternal: true }) _output.Info($"{resource.Name}: external, using ConnectionStrings:{resource.Name}");
        await resource.StartAsync(context, ct);
    }

    async Task WaitHealthyAsync(Resource resource, Task start, TimeSpan timeout, Stopwatch clock, CancellationToken ct)
    {
        await start;
        var deadline = Stopwatch.StartNew();
        while (!await resource.IsHealthyAsync(ct))
        {
            if (resource is ProjectResource project && project.HasExited(out var code))
                throw new InvalidOperationException($"{resource.Name} exited with code {code} before it became healthy");
            if (deadline.Elapsed > timeout) throw new TimeoutException($"{resource.Name} did not become healthy within {timeout.TotalSeconds:F0} s");
            await Task.Delay(200, ct);
        }
        _output.Info($"{resource.Name} healthy ({clock.Elapsed.TotalSeconds:F1} s)");
    }

    /// <summary>Reports health changes and services that exit on their own, until stopped.</summary>
    async Task MonitorAsync(CancellationToken ct)
    {
        var last = startOrder.ToDictionary(r => r, _ => true);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
        while (await timer.WaitForNextTickAsync(ct))
        {
            foreach (var resource in startOrder)
            {
                var healthy = await resource.IsHealthyAsync(ct);
                if (healthy == last[resource]) continue;
                last[resource] = healthy;
                var detail = resource is ProjectResource project && project.HasExited(out var code) ? $" (exited with code {code})" : "";
                _output.Info($"{resource.Name} is {(healthy ? "healthy again" : "unhealthy")}{detail}");
            }
        }
    }

    async Task StopAllAsync(List<Resource> started)
    {
        foreach (var resource in startOrder.Reverse().Where(started.Contains))
        {
            try
            {
                await resource.StopAsync(CancellationToken.None);
                _output.Info($"{resource.Name} stopped");
            }
            catch (Exception e)
            {
                _output.Info($"{resource.Name} did not stop cleanly: {e.Message}");
            }
        }
        File.Delete(StatePath);
    }

    string StatePath => Path.Combine(context.DataDirectory, "apphost.json");

    /// <summary>Where everything runs, for tools and tests: <c>&lt;data&gt;/apphost.json</c>, removed at stop.</summary>
    void WriteState(bool healthy)
    {
        var state = new
        {
            pid = Environment.ProcessId,
            healthy,
            resources = startOrder.Select(r => new
            {
                name = r.Name,
                kind = r.Kind,
                external = r is InfrastructureResource { IsExternal: true },
                connectionString = (r as InfrastructureResource)?.ConnectionString,
                url = r switch { ProjectResource p => p.Url.ToString(), OtlpReceiverResource o => o.Endpoint, _ => null },
                processIds = r.ProcessIds,
                ports = r.Ports,
            }),
        };
        // Write then rename, so a reader never sees a half-written file.
        File.WriteAllText(StatePath + ".tmp", JsonSerializer.Serialize(state, new JsonSerializerOptions { WriteIndented = true }));
        File.Move(StatePath + ".tmp", StatePath, overwrite: true);
    }
}
