using System.Diagnostics;
using System.Text.Json;
using Trades.Generation;

namespace Trades.Tests;

internal static class TestFiles
{
    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    public static string RepoRoot { get; } = FindRepoRoot();

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Pipeline.sln"))) return dir.FullName;
        throw new InvalidOperationException("Pipeline.sln not found above " + AppContext.BaseDirectory);
    }

    public static string TempDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "trades-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Reads a Parquet file with the independent node reader (tests/parquet-reader, hyparquet).</summary>
    public static JsonElement ReadParquetWithNode(string path)
    {
        var script = Path.Combine(RepoRoot, "tests", "parquet-reader", "summarize.mjs");
        var start = new ProcessStartInfo("node", [script, path]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"node reader failed ({process.ExitCode}): {error} (run scripts/prerequisites.sh to install tests/parquet-reader)");
        return JsonDocument.Parse(output).RootElement;
    }
}

/// <summary>FR on 2023-01-01, seed 42, generated once for the whole test run.</summary>
public sealed class GeneratedFrDay
{
    public GeneratedFrDay()
    {
        Day = TradeGenerator.GenerateDay(new DateOnly(2023, 1, 1), "FR", seed: 42, anomalies: 60);
        Clean = TradeGenerator.GenerateDay(new DateOnly(2023, 1, 1), "FR", seed: 42);
    }

    public GeneratedDay Day { get; }

    public GeneratedDay Clean { get; }
}

[CollectionDefinition(Name)]
public sealed class GeneratedDayCollection : ICollectionFixture<GeneratedFrDay>
{
    public const string Name = "generated FR day";
}
