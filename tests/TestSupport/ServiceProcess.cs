using System.Diagnostics;
using System.Reflection;
using System.Text;
using LocalServers;

namespace TestSupport;

/// <summary>
/// One of the solution's services run as a real process, as the AppHost runs it (<c>dotnet &lt;Service&gt;.dll</c>
/// from its own build output), so tests can also SIGKILL it.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
    readonly Process _process;
    readonly StringBuilder _output = new();

    ServiceProcess(string service, IReadOnlyDictionary<string, string> environment)
    {
        Port = FreePort.Next();
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.Combine(RepositoryRoot, service),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(AssemblyPath(service));
        psi.Environment["ASPNETCORE_URLS"] = Url.ToString().TrimEnd('/');
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        psi.Environment["APPHOST_PID"] = Environment.ProcessId.ToString();
        foreach (var (key, value) in environment) psi.Environment[key] = value;
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Port { get; }
    public Uri Url => new($"http://127.0.0.1:{Port}/");
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>Starts the service and waits until <paramref name="readinessPath"/> (by default /health) answers 200.</summary>
    public static async Task<ServiceProcess> StartAsync(string service, IReadOnlyDictionary<string, string> environment, TimeSpan? timeout = null, string readinessPath = "/health")
    {
        var process = new ServiceProcess(service, environment);
        var deadline = Stopwatch.StartNew();
        while (!await process.AnswersAsync(readinessPath))
        {
            if (process.HasExited) throw new InvalidOperationException($"{service} exited with {process._process.ExitCode}:\n{process.Output}");
            if (deadline.Elapsed > (timeout ?? TimeSpan.FromSeconds(60))) throw new TimeoutException($"{service} not healthy:\n{process.Output}");
            await Task.Delay(200);
        }
        return process;
    }

    public Task<bool> IsHealthyAsync() => AnswersAsync("/health");

    async Task<bool> AnswersAsync(string path)
    {
        try
        {
            using var response = await Http.GetAsync(new Uri(Url, path));
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGKILL: no shutdown code runs, as in a crash or an OOM kill.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await ProcessRunner.StopAsync(_process, TimeSpan.FromSeconds(10));
        _process.Dispose();
    }

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    static string AssemblyPath(string service)
    {
        var configuration = typeof(ServiceProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var path = Path.Combine(RepositoryRoot, service, "bin", configuration, "net10.0", service + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{service} is not built; reference its project from the test project", path);
    }

    static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Directory.Packages.props"))) return dir.FullName;
        throw new DirectoryNotFoundException("the repository root (Directory.Packages.props) is not above " + AppContext.BaseDirectory);
    }
}
