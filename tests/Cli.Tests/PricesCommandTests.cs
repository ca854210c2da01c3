using System.Diagnostics;
using System.Text.Json;
using TestSupport;

namespace Cli.Tests;

/// <summary>`pipeline prices …` as a process: against files, and against a real Kafka-protocol broker hosted by the test.</summary>
public sealed class PricesCommandTests(KafkaFixture kafka) : IClassFixture<KafkaFixture>, IDisposable
{
    readonly string _directory = Directory.CreateTempSubdirectory("pipeline-prices-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    static (int Code, string Output, string Error) Pipeline(params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "pipeline"), args) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment.Remove("ConnectionStrings__kafka");
        start.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result, error);
    }

    [Theory]
    [InlineData("error: --count must be at least 1", "prices", "produce", "--count", "0")]
    [InlineData("error: --outliers must be between 0 and --count", "prices", "produce", "--count", "5", "--outliers", "6")]
    [InlineData("error: --symbols: 'XYZ' has no default distribution; give it as XYZ=mean:std, e.g. XYZ=100:2 (defaults: AAPL, AMZN, GOOG, MSFT, TSLA)", "prices", "produce", "--symbols", "XYZ")]
    [InlineData("error: --symbols: 'XYZ=1:-2' is not symbol=mean:std with a finite mean and a standard deviation above 0", "prices", "generate", "--symbols", "XYZ=1:-2", "--out", "x.jsonl")]
    [InlineData("error: --threshold must be a number greater than 0", "prices", "report", "--threshold", "0")]
    [InlineData("error: --input /no/such.jsonl: no such file", "prices", "report", "--input", "/no/such.jsonl")]
    [InlineData("error: --input reports on a file: leave out --topic and --kafka", "prices", "report", "--input", "x.jsonl", "--topic", "prices")]
    [InlineData("Cannot parse argument 'many' for option '--count'", "prices", "produce", "--count", "many")]
    public void Bad_arguments_give_a_precise_message_and_exit_2_or_1(string message, params string[] args)
    {
        var (code, _, error) = Pipeline(args);

        Assert.True(code is 1 or 2, $"exit {code}");
        Assert.Contains(message, error);
    }

    [Fact]
    public void An_unreadable_input_fails_with_exit_1_naming_the_file()
    {
        var (code, _, error) = Pipeline("prices", "report", "--input", _directory);

        Assert.Equal((1, $"error: cannot read {_directory}: it is a directory"), (code, error.Trim()));
    }

    [Fact]
    public void An_empty_file_is_reported_as_no_ticks_with_exit_0()
    {
        var empty = Path.Combine(_directory, "empty.jsonl");
        File.WriteAllText(empty, "\n\n");

        var (code, output, _) = Pipeline("prices", "report", "--input", empty);

        Assert.Equal((0, $"no ticks in {empty}"), (code, output.Trim()));
    }

    [Fact]
    public void A_file_report_lists_rejected_lines_with_their_reasons()
    {
        var file = Path.Combine(_directory, "ticks.jsonl");
        File.WriteAllLines(file,
        [
            """{"ts": "2024-01-01 00:00:00.000", "symbol": "AAPL", "price": 190.25}""",
            """{"ts": "2024-01-01 00:00:00.250", "symbol": "AAPL", "price": "190.5"}""",
            """{"ts": "2024-01-01 00:00:00.500", "symbol": "AAPL"}""",
            """{"ts": "2024-01-01 00:00:00.750", "symbol": "AAPL", "price": 191.75}""",
        ]);

        var (code, output, _) = Pipeline("prices", "report", "--input", file);

        Assert.Equal(0, code);
        Assert.StartsWith($"2 ticks in {file}\n", output);
        Assert.Contains("AAPL               2       190.25       191.75     191.0000       1.0607", output);
        Assert.Contains("2 message(s) rejected (not counted above):\n  line 2: 'price' is the string \"190.5\", expected a number\n  line 3: missing field(s) 'price'\n", output);
    }

    [Fact]
    public void Produce_then_report_on_the_topic_counts_every_tick_and_finds_exactly_the_injected_outliers()
    {
        kafka.CreateTopic("cli-prices", 4);

        var produced = Pipeline("prices", "produce", "--kafka", kafka.BootstrapServers, "--topic", "cli-prices", "--count", "5000", "--outliers", "3", "--seed", "7");
        var report = Pipeline("prices", "report", "--kafka", kafka.BootstrapServers, "--topic", "cli-prices", "--json");
        var text = Pipeline("prices", "report", "--kafka", kafka.BootstrapServers, "--topic", "cli-prices");

        Assert.True(produced.Code == 0, produced.Error);
        Assert.Equal($"produced 5,000 ticks for AAPL, AMZN, GOOG, MSFT, TSLA to topic cli-prices at {kafka.BootstrapServers}", produced.Output.Trim());
        var injected = produced.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l["injected outlier: ".Length..]).RootElement)
            .Select(t => (t.GetProperty("ts").GetString()!, t.GetProperty("symbol").GetString(), t.GetProperty("price").GetDouble())).Order().ToList();
        Assert.Equal(3, injected.Count);
        Assert.True(report.Code == 0, report.Error);
        var json = JsonDocument.Parse(report.Output).RootElement;
        Assert.Equal((5000, 0), (json.GetProperty("count").GetInt64(), json.GetProperty("invalid").GetInt64()));
        Assert.Equal(5, json.GetProperty("symbols").GetArrayLength());
        Assert.Equal(5000, json.GetProperty("partitions").EnumerateArray().Sum(p => p.GetProperty("high").GetInt64() - p.GetProperty("low").GetInt64()));
        Assert.Equal(injected, json.GetProperty("outliers").EnumerateArray()
            .Select(o => (o.GetProperty("ts").GetDateTime().ToString("yyyy-MM-dd HH:mm:ss.fff"), o.GetProperty("symbol").GetString(), o.GetProperty("price").GetDouble())).Order().ToList());
        Assert.StartsWith("5,000 ticks in topic cli-prices (4 partition(s), offsets up to the high-water marks at start: 5,000 messages)\n", text.Output);
        Assert.Contains("3 outlier(s) with |z| > 3; z = (price - mean) / standard deviation, with the mean and the sample standard deviation (n - 1)", text.Output);
    }

    [Fact]
    public void An_empty_topic_is_reported_as_no_ticks_with_exit_0_and_a_missing_one_fails_with_exit_1()
    {
        kafka.CreateTopic("cli-empty", 2);

        var empty = Pipeline("prices", "report", "--kafka", kafka.BootstrapServers, "--topic", "cli-empty");
        var missing = Pipeline("prices", "report", "--kafka", kafka.BootstrapServers, "--topic", "cli-missing");

        Assert.Equal((0, "no ticks in topic cli-empty (2 partition(s), offsets up to the high-water marks at start: 0 messages)"), (empty.Code, empty.Output.Trim()));
        Assert.Equal((1, $"error: topic cli-missing does not exist (Kafka at {kafka.BootstrapServers})"), (missing.Code, missing.Error.Trim()));
    }
}
