using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using TestSupport;

namespace AppHost.Tests;

/// <summary>
/// The README is executable: every fenced <c>bash</c> block runs, as written, against a running graph, so a command
/// that drifts from the product fails here. Blocks that cannot run in a test say why in a
/// <c>&lt;!-- not-run: reason --&gt;</c> line right above them.
/// </summary>
[Collection(RunningGraphCollection.Name)]
public sealed partial class ReadmeTests(RunningGraph graph)
{
    static readonly string Readme = Path.Combine(ServiceProcess.RepositoryRoot, "README.md");

    [Fact]
    public void Every_fenced_block_is_bash_or_text_and_the_few_that_cannot_run_say_why()
    {
        var blocks = ReadmeBlock.Parse(File.ReadAllText(Readme));

        Assert.All(blocks, b => Assert.True(b.Language is "bash" or "text", $"README line {b.Line}: fence '{b.Language}' (commands are bash, anything else text)"));
        var runnable = blocks.Where(b => b is { Language: "bash", NotRun: null }).ToList();
        Assert.True(runnable.Count >= 6, $"only {runnable.Count} runnable blocks");
        Assert.InRange(blocks.Count(b => b.NotRun is not null), 1, 3);
        // A placeholder cannot be run as written: such a block either loses it or says why it is not run.
        Assert.All(runnable, b => Assert.DoesNotContain("…", b.Code));
    }

    [Fact]
    public async Task Every_runnable_bash_block_of_the_README_succeeds_against_the_running_graph()
    {
        var blocks = ReadmeBlock.Parse(File.ReadAllText(Readme)).Where(b => b is { Language: "bash", NotRun: null }).ToList();
        var root = ServiceProcess.RepositoryRoot;
        var before = Directory.EnumerateFileSystemEntries(root).ToHashSet();
        var failures = new List<string>();
        try
        {
            foreach (var block in blocks)
            {
                var (exitCode, output) = await RunAsync(OnThisGraph(block.Code), root);
                if (exitCode != 0) failures.Add($"README line {block.Line} exited {exitCode}:\n{block.Code}\n--- output ---\n{output}");
            }
        }
        finally
        {
            // What the blocks wrote at the repository root (trades.csv, results/) goes again.
            foreach (var created in Directory.EnumerateFileSystemEntries(root).Where(e => !before.Contains(e)))
                if (Directory.Exists(created)) Directory.Delete(created, recursive: true); else File.Delete(created);
        }
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    /// <summary>The README's default addresses, replaced by this graph's (tests never take fixed ports).</summary>
    string OnThisGraph(string code)
    {
        var host = graph.Host;
        string Address(Uri url) => $"{url.Host}:{url.Port}";
        var addresses = new Dictionary<string, string>
        {
            ["127.0.0.1:54320"] = Address(host.Urls["postgres"]),
            ["127.0.0.1:9000"] = Address(host.Urls["lake"]),
            ["127.0.0.1:9092"] = Address(host.Urls["kafka"]),
            ["127.0.0.1:5080"] = Address(host.Urls["web"]),
            ["127.0.0.1:8233"] = Address(host.Endpoints["temporal"][0]),
            ["127.0.0.1:7233"] = Address(host.Endpoints["temporal"][1]),
            ["127.0.0.1:18888"] = Address(host.DashboardUrl),
        };
        return DefaultAddress().Replace(code, m => addresses.TryGetValue(m.Value, out var actual) ? actual : m.Value);
    }

    /// <summary>
    /// bash with -e and pipefail, from the repository root, typing the operator's password wherever a block reads one;
    /// psql stops at the first failing statement (a psql script otherwise exits 0 after errors).
    /// </summary>
    static async Task<(int ExitCode, string Output)> RunAsync(string code, string workingDirectory)
    {
        var psqlrc = Path.GetTempFileName();
        await File.WriteAllTextAsync(psqlrc, "\\set ON_ERROR_STOP on\n");
        var psi = new ProcessStartInfo("bash") { WorkingDirectory = workingDirectory, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-euo", "pipefail", "-c", code }) psi.ArgumentList.Add(argument);
        // The blocks' dotnet build and dotnet run leave no MSBuild node running after the test.
        psi.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        // A login shell has pyenv's shims (aws) on its PATH; the test host may not.
        psi.Environment["PATH"] = $"{psi.Environment["PATH"]}:{Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".pyenv/shims")}";
        psi.Environment["PSQLRC"] = psqlrc;
        var output = new StringBuilder();
        using var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await process.StandardInput.WriteLineAsync(PipelineRuns.Password);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"timed out after 6 min\n{output}");
        }
        process.WaitForExit(); // drains the redirected streams
        File.Delete(psqlrc);
        lock (output) return (process.ExitCode, output.ToString());
    }

    [GeneratedRegex(@"127\.0\.0\.1:\d+")]
    private static partial Regex DefaultAddress();
}

/// <summary>A fenced block of a Markdown file: its language, its code, and the reason it is not run, if it says one.</summary>
sealed partial record ReadmeBlock(int Line, string Language, string Code, string? NotRun)
{
    public static List<ReadmeBlock> Parse(string markdown)
    {
        var lines = markdown.Split('\n');
        var blocks = new List<ReadmeBlock>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("```", StringComparison.Ordinal)) continue;
            var start = i;
            var language = lines[i][3..].Trim();
            var code = new StringBuilder();
            while (++i < lines.Length && !lines[i].StartsWith("```", StringComparison.Ordinal)) code.AppendLine(lines[i]);
            var previous = lines.Take(start).Reverse().FirstOrDefault(l => l.Trim().Length > 0) ?? "";
            var notRun = NotRunComment().Match(previous);
            blocks.Add(new ReadmeBlock(start + 1, language, code.ToString(), notRun.Success ? notRun.Groups[1].Value : null));
        }
        return blocks;
    }

    [GeneratedRegex(@"^<!-- not-run: (.+?) -->\s*$")]
    private static partial Regex NotRunComment();
}
