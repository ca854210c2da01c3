using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;

namespace Deploy.Tests.Compose;

/// <summary>
/// The AppHost's own description of its graph: <c>AppHost --publisher manifest</c> writes every resource, its
/// bindings and the environment each service gets (<c>ConnectionStrings__*</c>, <c>services__*</c>) without starting
/// anything (~5 s). The compose file is compared with this, never with a hand-copied list.
/// </summary>
public sealed class AppHostManifest : IAsyncLifetime
{
    public JsonObject Resources { get; private set; } = [];

    public async Task InitializeAsync()
    {
        var configuration = typeof(AppHostManifest).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var appHost = Repository.PathOf("AppHost", "bin", configuration, "net10.0", "AppHost.dll");
        if (!File.Exists(appHost)) throw new FileNotFoundException("the AppHost is not built (Deploy.Tests references it)", appHost);
        var output = Directory.CreateTempSubdirectory("deploy-tests-manifest-").FullName;
        try
        {
            var manifest = Path.Combine(output, "aspire-manifest.json");
            var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Repository.PathOf("AppHost"), RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { appHost, "--publisher", "manifest", "--output-path", manifest }) start.ArgumentList.Add(argument);
            // The manifest describes the default graph: a connection string in the test's environment would make a resource external.
            foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("ConnectionStrings", StringComparison.OrdinalIgnoreCase)).ToList())
                start.Environment.Remove(name);
            using var process = Process.Start(start)!;
            var log = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await process.WaitForExitAsync(timeout.Token);
            if (process.ExitCode != 0 || !File.Exists(manifest))
                throw new InvalidOperationException($"AppHost --publisher manifest exited with {process.ExitCode}: {await log} {await errors}");
            Resources = JsonNode.Parse(await File.ReadAllTextAsync(manifest))!["resources"]!.AsObject();
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;
}
