using LocalServers;
using Microsoft.Extensions.Configuration;

namespace AppHost.Hosting;

/// <summary>What resources need from the launcher: configuration, the data directory, ports and output.</summary>
public sealed class LaunchContext(IConfiguration configuration, string dataDirectory, string projectDirectory, ConsoleOutput output)
{
    public IConfiguration Configuration { get; } = configuration;

    /// <summary>Where local resources keep their state across runs (default <c>.data/</c> at the repository root).</summary>
    public string DataDirectory { get; } = dataDirectory;

    /// <summary>The AppHost project's directory: project paths in Program.cs are relative to it.</summary>
    public string ProjectDirectory { get; } = projectDirectory;

    public ConsoleOutput Output { get; } = output;

    /// <summary><c>Resources:&lt;name&gt;:Port</c> if configured (0 means any free port), else the default, else a free port.</summary>
    public int Port(string resource, int? defaultPort)
    {
        var configured = Configuration.GetValue<int?>($"Resources:{resource}:Port") ?? defaultPort;
        return configured is null or 0 ? FreePort.Next() : configured.Value;
    }
}
