using System.Diagnostics;
using System.Text;
using System.Text.Json;
using LocalServers;

namespace AppHost.Tests;

/// <summary>The real AppHost run as a child process on free ports and a private data directory.</summary>
sealed class AppHostProcess : IAsyncDisposable
{
    readonly Process _process;
    readonly StringBuilder _output = new();
    public string DataDirectory { get; }

    AppHostProcess(string dataDirectory, IEnumerable<string> extraArgs)
    {
        DataDirectory = dataDirectory;
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "AppHost.dll"),
            $"--DataDirectory={dataDirectory}",
            "--Resources:postgres:Port=0", "--Resources:kafka:Port=0", "--Resources:lake:Port=0", "--Resources:web:Port=0", "--Resources:telemetry:Port=0",
            "--HealthTimeoutSeconds=90",
            "--TradeFeed:Port=0", "--TradeFeed:Intensity=0.05",
        }.Concat(extraArgs)) psi.ArgumentList.Add(arg);
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;
    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>Starts the AppHost and returns once it reports every resource healthy.</summary>
    public static async Task<(AppHostProcess Host, AppHostState State)> StartAsync(string dataDirectory, params string[] extraArgs)
    {
        var host = new AppHostProcess(dataDirectory, extraArgs);
        try
        {
            var statePath = Path.Combine(dataDirectory, "apphost.json");
            var deadline = Stopwatch.StartNew();
            while (!File.Exists(statePath))
            {
                if (host._process.HasExited) throw new InvalidOperationException($"AppHost exited with {host._process.ExitCode}:\n{host.Output}");
                if (deadline.Elapsed > TimeSpan.FromSeconds(150)) throw new TimeoutException($"AppHost not healthy after 150 s:\n{host.Output}");
                await Task.Delay(200);
            }
            var state = JsonSerializer.Deserialize<AppHostState>(await File.ReadAllTextAsync(statePath), JsonSerializerOptions.Web)!;
            return (host, state);
        }
        catch
        {
            // The caller never gets the host to dispose: stop it here, or its servers outlive the test run.
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGTERM, as a service manager or Ctrl+C would; returns the exit code.</summary>
    public async Task<int> StopAsync()
    {
        ProcessRunner.Terminate(_process.Id);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    /// <summary>Every live process whose parent chain leads to the AppHost.</summary>
    public IReadOnlyList<int> Descendants()
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parents[pid] = int.Parse(fields[1]);
            }
            catch (IOException) { }
        }
        var result = new List<int>();
        var frontier = new Queue<int>([Pid]);
        while (frontier.TryDequeue(out var parent))
            foreach (var (child, _) in parents.Where(p => p.Value == parent)) { result.Add(child); frontier.Enqueue(child); }
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        // SIGTERM first: the AppHost then stops PostgreSQL too, which is daemonised and so not in its process tree.
        await ProcessRunner.StopAsync(_process, TimeSpan.FromSeconds(30));
        _process.Dispose();
    }
}

sealed record AppHostState(int Pid, bool Healthy, List<ResourceState> Resources)
{
    public ResourceState this[string name] => Resources.Single(r => r.Name == name);
}

sealed record ResourceState(string Name, string Kind, bool External, string? ConnectionString, string? Url, List<int> ProcessIds, List<int> Ports);
