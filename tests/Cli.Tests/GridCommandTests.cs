using System.Diagnostics;

namespace Cli.Tests;

/// <summary>`pipeline grid backfill` refuses bad arguments with an exact message and exit code 2, before contacting Temporal.</summary>
public sealed class GridCommandTests
{
    static (int Code, string Error) Pipeline(params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "pipeline"), args) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["ConnectionStrings__temporal"] = "127.0.0.1:1"; // nothing listens: a run that got past validation would fail with 1
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        _ = output.Result;
        return (process.ExitCode, error);
    }

    [Theory]
    [InlineData("error: --from '2025-13-01' is not a date in the form yyyy-MM-dd", "--from", "2025-13-01", "--to", "2025-12-03")]
    [InlineData("error: --to '3.12.2025' is not a date in the form yyyy-MM-dd", "--from", "2025-12-01", "--to", "3.12.2025")]
    [InlineData("error: --to 2025-11-30 is before --from 2025-12-01", "--from", "2025-12-01", "--to", "2025-11-30")]
    [InlineData("error: --from 2000-01-01 --to 2025-12-01 is more than 3660 days", "--from", "2000-01-01", "--to", "2025-12-01")]
    [InlineData("error: --dataset 'wind' is not one of public_power, price, installed_power, all", "--from", "2025-12-01", "--to", "2025-12-03", "--dataset", "wind")]
    public void Bad_arguments_exit_with_2_and_the_exact_reason(string message, params string[] arguments)
    {
        var (code, error) = Pipeline(["grid", "backfill", .. arguments]);

        Assert.Equal(2, code);
        Assert.Equal(message, error.Trim());
    }

    [Fact]
    public void A_missing_required_option_is_refused_by_the_parser()
    {
        var (code, error) = Pipeline("grid", "backfill", "--from", "2025-12-01");

        Assert.NotEqual(0, code);
        Assert.Contains("--to", error);
    }

    [Fact]
    public void Valid_arguments_reach_temporal_and_fail_with_1_when_it_does_not_answer()
    {
        var (code, error) = Pipeline("grid", "backfill", "--from", "2025-12-01", "--to", "2025-12-03", "--dataset", "price");

        Assert.Equal(1, code);
        Assert.StartsWith("error: Temporal did not answer:", error.Trim());
    }
}
