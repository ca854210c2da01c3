using System.Diagnostics;
using System.Reflection;
using LocalServers;

namespace AppHost.Hosting;

/// <summary>
/// A service of this solution run as its own process (<c>dotnet &lt;Project&gt;.dll</c>), wired like Aspire wires
/// projects: connection strings and service addresses as environment variables, one HTTP endpoint on 127.0.0.1.
/// </summary>
public sealed class ProjectResource(string name, string projectPath) : Resource(name)
{
    static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(3) };
    static readonly string BuildConfiguration = typeof(ProjectResource).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
    Process? _process;

    public override string Kind => "project";
    public string ProjectPath { get; } = projectPath;
    public int? DefaultPort { get; set; }
    public int Port { get; private set; }
    public Uri Url => new($"http://127.0.0.1:{Port}");
    public Dictionary<string, string> Environment { get; } = [];
    public override IReadOnlyList<int> ProcessIds => _process is { HasExited: false } p ? [p.Id] : [];
    public override IReadOnlyList<int> Ports => Port == 0 ? [] : [Port];

    /// <summary>Chooses the port before anything starts, so dependants can be given this service's address.</summary>
    public void AssignPort(LaunchContext context) => Port = context.Port(Name, DefaultPort);

    public override async Task StartAsync(LaunchContext context, CancellationToken ct)
    {
        var project = Path.GetFullPath(Path.Combine(context.ProjectDirectory, ProjectPath));
        var directory = Path.GetDirectoryName(project)!;
        var assembly = Path.Combine(directory, "bin", BuildConfiguration, "net10.0", Path.GetFileNameWithoutExtension(project) + ".dll");
        if (!File.Exists(assembly))
        {
            context.Output.Write(Name, $"building {project}");
            await ProcessRunner.RunAsync("dotnet", ["build", project, "-c", BuildConfiguration, "--nologo", "-v", "q"], ct);
        }

        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(assembly);
        foreach (var (key, value) in EnvironmentFor(context)) psi.Environment[key] = value;
        _process = Process.Start(ProcessRunner.InOwnSession(psi)) ?? throw new InvalidOperationException($"could not start {assembly}");
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) context.Output.Write(Name, e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) context.Output.Write(Name, e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        context.Output.Write(Name, $"started process {_process.Id} on {Url}");
    }

    /// <summary>The environment a child gets, with the same names Aspire uses, so services run unchanged under Aspire or in containers.</summary>
    public IReadOnlyDictionary<string, string> EnvironmentFor(LaunchContext context)
    {
        var environmentName = context.Configuration["ServiceEnvironment"] ?? "Development";
        var env = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = Url.ToString().TrimEnd('/'),
            ["ASPNETCORE_ENVIRONMENT"] = environmentName,
            ["DOTNET_ENVIRONMENT"] = environmentName,
            ["OTEL_SERVICE_NAME"] = Name,
            ["APPHOST_PID"] = System.Environment.ProcessId.ToString(),
            ["Logging__Console__FormatterName"] = "simple",
            ["Logging__Console__FormatterOptions__SingleLine"] = "true",
        };
        if (context.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] is { Length: > 0 } otlp) env["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp;
        else if (WaitsFor.OfType<OtlpReceiverResource>().Select(r => r.Endpoint).FirstOrDefault(e => e is not null) is { } local) env["OTEL_EXPORTER_OTLP_ENDPOINT"] = local;
        foreach (var reference in References)
        {
            switch (reference)
            {
                case InfrastructureResource infrastructure:
                    env[$"ConnectionStrings__{reference.Name}"] = infrastructure.ConnectionString;
                    break;
                case ProjectResource project:
                    env[$"services__{reference.Name}__http__0"] = project.Url.ToString().TrimEnd('/');
                    break;
            }
        }
        foreach (var (key, value) in Environment) env[key] = value;
        return env;
    }

    public override async Task StopAsync(CancellationToken ct)
    {
        if (_process is null) return;
        await ProcessRunner.StopAsync(_process, TimeSpan.FromSeconds(10));
        _process.Dispose();
        _process = null;
    }

    public bool HasExited(out int exitCode)
    {
        exitCode = _process is { HasExited: true } p ? p.ExitCode : 0;
        return _process is { HasExited: true };
    }

    public override async Task<bool> IsHealthyAsync(CancellationToken ct)
    {
        if (_process is null || _process.HasExited) return false;
        try
        {
            using var response = await Http.GetAsync(new Uri(Url, "/health"), ct);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }
}
