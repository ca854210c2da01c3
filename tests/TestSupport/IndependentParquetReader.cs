using System.Diagnostics;
using System.Text.Json;

namespace TestSupport;

/// <summary>
/// Reads Parquet with a reader that shares no code with ours (npm hyparquet, tests/parquet-reader/summarize.mjs):
/// returns {"rows": n, "columns": [...], "sums": {column: sum}}.
/// </summary>
public static class IndependentParquetReader
{
    public static JsonElement Summarize(string path)
    {
        var script = Path.Combine(ServiceProcess.RepositoryRoot, "tests", "parquet-reader", "summarize.mjs");
        var start = new ProcessStartInfo("node", [script, path]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"node reader failed ({process.ExitCode}): {error} (run scripts/prerequisites.sh to install tests/parquet-reader)");
        return JsonDocument.Parse(output).RootElement;
    }
}
