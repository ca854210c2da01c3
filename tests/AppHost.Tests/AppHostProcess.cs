using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using LocalServers;
using TestSupport;

namespace AppHost.Tests;

/// <summary>
/// The built AppHost run as a child process, as <c>./run.sh</c> runs it (dashboard included) but on free ports, so a
/// test can SIGKILL it or read the dashboard. The startup report's lines give every resource's URL.
/// </summary>
public sealed partial class AppHostProcess : IAsyncDisposable
{
    readonly Process _process;
    readonly StringBuilder _output = new();
    readonly StringBuilder _errors = new();

    AppHostProcess(IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        var configuration = typeof(AppHostProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(ServiceProcess.RepositoryRoot, "AppHost", "bin", configuration, "net10.0", "AppHost.dll"));
        foreach (var argument in arguments) psi.ArgumentList.Add(argument);
        psi.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePort.Next()}";
        psi.Environment["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://127.0.0.1:{FreePort.Next()}";
        psi.Environment["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = $"http://127.0.0.1:{FreePort.Next()}";
        psi.Environment["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true";
        psi.Environment["ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS"] = "true";
        // Free ports for every resource too (54320, 9092, 9000 and 5080 may be taken by a ./run.sh on this machine).
        psi.Environment["DcpPublisher__RandomizePorts"] = "true";
        psi.Environment["DOTNET_ENVIRONMENT"] = "Development";
        foreach (var (key, value) in environment) psi.Environment[key] = value;
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_errors) _errors.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;
    /// <summary>Where the dashboard answers (DCP chooses its port when ports are randomised).</summary>
    public Uri DashboardUrl { get; private set; } = null!;
    public string Output { get { lock (_output) return _output.ToString(); } }
    public string Errors { get { lock (_errors) return _errors.ToString(); } }
    /// <summary>Each resource's first endpoint, as the startup report lists it.</summary>
    public Dictionary<string, Uri> Urls { get; } = [];
    /// <summary>Every endpoint of each resource in the report's order (temporal: the HTTP API and UI, then gRPC).</summary>
    public Dictionary<string, Uri[]> Endpoints { get; } = [];

    /// <summary>Connection string of the local PostgreSQL's <c>pipeline</c> database, from its endpoint.</summary>
    public string Postgres => $"Host={Urls["postgres"].Host};Port={Urls["postgres"].Port};Username=postgres;Database=pipeline";

    /// <summary>Starts the AppHost and returns once it reports every resource healthy.</summary>
    public static async Task<AppHostProcess> StartAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var host = new AppHostProcess(arguments, environment ?? new Dictionary<string, string>());
        try
        {
            var deadline = Stopwatch.StartNew();
            while (!host.Output.Contains(" resources healthy in ", StringComparison.Ordinal) || !host.Output.Contains("web: ", StringComparison.Ordinal))
            {
                if (host._process.HasExited) throw new InvalidOperationException($"AppHost exited with {host._process.ExitCode}:\n{host.Output}\n{host.Errors}");
                if (deadline.Elapsed > TimeSpan.FromMinutes(4)) throw new TimeoutException($"AppHost not healthy after 4 min:\n{host.Output}");
                await Task.Delay(250);
            }
            await Task.Delay(500); // the report's remaining lines
            foreach (Match line in ResourceUrls().Matches(host.Output))
            {
                var urls = line.Groups[2].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(url => new Uri(url)).ToArray();
                host.Endpoints[line.Groups[1].Value] = urls;
                host.Urls[line.Groups[1].Value] = urls[0];
            }
            host.DashboardUrl = new Uri(DashboardLine().Match(host.Output).Groups[1].Value);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs the AppHost until it exits by itself (a start it refuses) and returns its exit code.</summary>
    public static async Task<(int ExitCode, string Errors)> RunToExitAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        await using var host = new AppHostProcess(arguments, environment);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await host._process.WaitForExitAsync(timeout.Token);
        host._process.WaitForExit(); // drains the redirected streams
        return (host._process.ExitCode, host.Errors);
    }

    /// <summary>The AppHost, everything under it, and DCP's detached processes that watch it (<c>--monitor &lt;pid&gt;</c>) with theirs.</summary>
    public IReadOnlyDictionary<int, string> GraphProcesses()
    {
        var table = Processes().ToDictionary(p => p.Pid, p => (p.Parent, p.Start, p.Command));
        var ours = new HashSet<int> { Pid };
        for (var grew = true; grew;)
        {
            grew = false;
            foreach (var (pid, info) in table)
                if (!ours.Contains(pid) && (ours.Contains(info.Parent) || ours.Any(p => info.Command.Contains($"--monitor {p} ", StringComparison.Ordinal)))) grew = ours.Add(pid);
        }
        return ours.Where(table.ContainsKey).ToDictionary(pid => pid, pid => table[pid].Start + " " + table[pid].Command);
    }

    /// <summary>Every live process (zombies left out): its parent, start time (clock ticks after boot) and command line, from /proc.</summary>
    public static List<(int Pid, int Parent, string Start, string Command)> Processes()
    {
        var table = new List<(int Pid, int Parent, string Start, string Command)>();
        foreach (var directory in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (fields[0] == "Z") continue;
                table.Add((pid, int.Parse(fields[1]), fields[19], File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ')));
            }
            catch (IOException) { } // gone meanwhile
        }
        return table;
    }

    /// <summary>The processes of <paramref name="snapshot"/> still running (same pid and start time).</summary>
    public static IReadOnlyList<string> StillRunning(IReadOnlyDictionary<int, string> snapshot) =>
        snapshot.Where(p =>
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{p.Key}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                return fields[0] != "Z" && p.Value.StartsWith(fields[19] + " ", StringComparison.Ordinal);
            }
            catch (IOException)
            {
                return false;
            }
        }).Select(p => $"{p.Key}: {p.Value}").ToList();

    /// <summary>SIGKILL: the AppHost runs no shutdown code, as in a crash or an OOM kill.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        // SIGTERM: the AppHost stops its resources through DCP.
        await ProcessRunner.StopAsync(_process, TimeSpan.FromSeconds(60));
        _process.Dispose();
    }

    [GeneratedRegex(@"^\s+([a-z][a-z-]*): ([a-z]+://\S+(?: [a-z]+://\S+)*)\s*$", RegexOptions.Multiline)]
    private static partial Regex ResourceUrls();

    [GeneratedRegex(@"- Dashboard:\s+(http\S+)")]
    private static partial Regex DashboardLine();
}
