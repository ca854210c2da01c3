using System.Diagnostics;
using System.Text.Json;
using TestSupport;

namespace Cli.Tests;

/// <summary>Runs the built `pipeline` executable (copied next to the tests by the project reference).</summary>
public sealed class TradesCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pipeline-cli-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static (int Code, string Output, string Error) Pipeline(params string[] args) => Pipeline(new Dictionary<string, string>(), args);

    private static (int Code, string Output, string Error) Pipeline(Dictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "pipeline"), args) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment.Remove("PIPELINE_OPERATOR_PASSWORD");
        foreach (var (key, value) in environment) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result, error);
    }

    [Fact]
    public void Generate_then_analyze_writes_json_and_parquet_results()
    {
        var csv = Path.Combine(_directory, "trades.csv");
        var results = Path.Combine(_directory, "results");

        var generated = Pipeline("trades", "generate", "--day", "2023-01-01", "--area", "FR", "--anomalies", "10", "--seed", "5", "--intensity", "0.2", "--out", csv);
        var analyzed = Pipeline("trades", "analyze", "--input", csv, "--out", results);

        Assert.Equal(0, generated.Code);
        Assert.Contains("10 injected anomalies", generated.Output);
        Assert.StartsWith("# Continuous_Trades FR 2023-01-01", File.ReadLines(csv).First());
        Assert.Equal(11, File.ReadAllLines(csv + ".anomalies.csv").Length);
        Assert.True(analyzed.Code == 0, analyzed.Error);
        // each .parquet holds the rows of its .json, as DuckDB reads them
        using var reader = new IndependentParquetReader();
        foreach (var (name, sumColumn) in new[] { ("product_stats", "totalVolume"), ("top_products", "totalVolume"), ("anomalies", "price") })
        {
            var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(results, name + ".json"))).RootElement;
            var parquet = reader.Summarize(Path.Combine(results, name + ".parquet"));
            Assert.Equal(json.GetArrayLength(), parquet.Rows);
            Assert.Equal(json.EnumerateArray().Sum(r => r.GetProperty(sumColumn).GetDecimal()), parquet.Sums[sumColumn]); // exact in both
            Assert.Equal(json[0].EnumerateObject().Select(p => p.Name), parquet.Columns.Select(c => c.Name));
        }
        var anomalies = JsonDocument.Parse(File.ReadAllText(Path.Combine(results, "anomalies.json"))).RootElement;
        var truth = File.ReadAllLines(csv + ".anomalies.csv").Skip(1).Select(l => long.Parse(l.Split(',')[0])).ToHashSet();
        Assert.True(anomalies.EnumerateArray().Count(a => truth.Contains(a.GetProperty("tradeId").GetInt64())) >= 9);
    }

    [Fact]
    public void The_same_seed_writes_the_same_file()
    {
        var a = Path.Combine(_directory, "a.csv");
        var b = Path.Combine(_directory, "b.csv");

        Pipeline("trades", "generate", "--day", "2023-01-01", "--area", "NL", "--seed", "9", "--intensity", "0.1", "--out", a);
        Pipeline("trades", "generate", "--day", "2023-01-01", "--area", "NL", "--seed", "9", "--intensity", "0.1", "--out", b);

        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
    }

    [Theory]
    [InlineData("error: --day '2023-02-30' is not a date in the form yyyy-MM-dd", "trades", "generate", "--day", "2023-02-30", "--area", "FR", "--out", "x.csv")]
    [InlineData("error: --area 'XX' is not a known delivery area (FR, DE, NL, BE, AT)", "trades", "generate", "--day", "2023-01-01", "--area", "XX", "--out", "x.csv")]
    [InlineData("error: --input /no/such.csv: no such file", "trades", "analyze", "--input", "/no/such.csv", "--out", "results")]
    [InlineData("error: --method 'mean' is not robust or relative-to-mean", "trades", "analyze", "--input", "x.csv", "--out", "results", "--method", "mean")]
    [InlineData("Option '--out' is required", "trades", "generate", "--day", "2023-01-01", "--area", "FR")]
    public void Bad_arguments_give_a_precise_message_and_a_non_zero_exit(string message, params string[] args)
    {
        var (code, _, error) = Pipeline(args);

        Assert.NotEqual(0, code);
        Assert.Contains(message, error);
    }

    [Fact]
    public void A_file_that_is_not_a_trades_csv_fails_with_the_header_problem()
    {
        var csv = Path.Combine(_directory, "other.csv");
        File.WriteAllText(csv, "a,b,c\n1,2,3\n");

        var (code, _, error) = Pipeline("trades", "analyze", "--input", csv, "--out", Path.Combine(_directory, "r"));

        Assert.Equal(1, code);
        Assert.Contains("unknown column 'a' in the header", error);
    }

    [Theory]
    [InlineData("trades")]
    [InlineData("trades", "generate")]
    [InlineData("trades", "analyze")]
    public void Every_verb_has_help(params string[] verb)
    {
        var (code, output, _) = Pipeline([.. verb, "--help"]);

        Assert.Equal(0, code);
        Assert.Contains("Usage:", output);
    }

    [Fact]
    public void Import_says_which_variable_holds_the_password_and_exits_2_without_it()
    {
        var csv = Path.Combine(_directory, "t.csv");
        File.WriteAllText(csv, "x");

        var result = Pipeline("trades", "import", csv, "--user", "ops");

        Assert.Equal(2, result.Code);
        Assert.Equal("error: set PIPELINE_OPERATOR_PASSWORD to the password of operator 'ops'", result.Error.Trim());
    }

    [Fact]
    public void Import_rejects_a_missing_file_and_a_bad_url_with_exit_code_2()
    {
        var password = new Dictionary<string, string> { ["PIPELINE_OPERATOR_PASSWORD"] = "p" };
        var missing = Path.Combine(_directory, "missing.csv");
        var csv = Path.Combine(_directory, "t.csv");
        File.WriteAllText(csv, "x");

        var noFile = Pipeline(password, "trades", "import", missing, "--user", "ops");
        var badUrl = Pipeline(password, "trades", "import", csv, "--user", "ops", "--url", "ftp://example");

        Assert.Equal((2, $"error: {missing}: no such file"), (noFile.Code, noFile.Error.Trim()));
        Assert.Equal((2, "error: --url 'ftp://example' is not an http(s) address"), (badUrl.Code, badUrl.Error.Trim()));
    }

    [Fact]
    public void Import_to_a_system_that_is_not_running_fails_with_exit_code_1_and_says_so()
    {
        var csv = Path.Combine(_directory, "t.csv");
        File.WriteAllText(csv, "x");
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var result = Pipeline(new Dictionary<string, string> { ["PIPELINE_OPERATOR_PASSWORD"] = "p" }, "trades", "import", csv, "--user", "ops", "--url", $"http://127.0.0.1:{port}");

        Assert.Equal(1, result.Code);
        Assert.StartsWith($"error: cannot reach http://127.0.0.1:{port}/", result.Error.Trim());
    }
}
