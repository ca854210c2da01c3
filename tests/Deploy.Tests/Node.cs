using System.Diagnostics;

namespace Deploy.Tests;

/// <summary>Runs the npm tools of tools/package.json (installed by the build with npm ci).</summary>
static class Node
{
    static readonly string Tools = Repository.PathOf("tests", "Deploy.Tests", "tools");

    public sealed record Result(int ExitCode, string Output, string Error);

    /// <summary>Runs <c>node &lt;script&gt; args…</c> in tools/, where its packages are.</summary>
    public static async Task<Result> RunAsync(string script, IEnumerable<string> arguments)
    {
        if (!Directory.Exists(Path.Combine(Tools, "node_modules")))
            throw new InvalidOperationException($"{Tools}/node_modules is missing: building Deploy.Tests runs npm ci there (Node.js 20 and npm needed)");
        var start = new ProcessStartInfo("node") { WorkingDirectory = Tools, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await output, await error);
    }
}
