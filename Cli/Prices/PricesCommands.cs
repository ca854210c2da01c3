using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Prices;

namespace Cli.Prices;

/// <summary>`pipeline prices generate|report`: price ticks as JSON lines, and the batch report over them.</summary>
internal static class PricesCommands
{
    const int Ok = 0, Failed = 1, BadArguments = 2;

    public static Command Create()
    {
        var prices = new Command("prices", "price ticks {ts, symbol, price}");
        prices.Subcommands.Add(Generate());
        prices.Subcommands.Add(Report());
        return prices;
    }

    static Command Generate()
    {
        var count = new Option<int>("--count") { Description = "number of ticks", DefaultValueFactory = _ => 5000 };
        var outliers = new Option<int>("--outliers") { Description = "ticks replaced by prices 6-10 standard deviations away (listed on stderr)", DefaultValueFactory = _ => 0 };
        var seed = new Option<int>("--seed") { Description = "random seed; the same seed gives the same file", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out") { Description = "JSON-lines file to write (one tick per line)", Required = true };
        var command = new Command("generate", $"generate ticks for {string.Join(", ", PriceGenerationOptions.DefaultSymbols.Select(s => s.Symbol))}, normal per symbol, two decimals") { count, outliers, seed, output };
        command.SetAction(parsed =>
        {
            if (parsed.GetValue(count) < 1) return Fail(BadArguments, "--count must be at least 1");
            if (parsed.GetValue(outliers) is var o && (o < 0 || o > parsed.GetValue(count))) return Fail(BadArguments, "--outliers must be between 0 and --count");
            var path = parsed.GetValue(output)!;
            var (ticks, injected) = PriceGenerator.Generate(new PriceGenerationOptions { Count = parsed.GetValue(count), Outliers = parsed.GetValue(outliers), Seed = parsed.GetValue(seed) });
            try
            {
                File.WriteAllLines(path, ticks.Select(t => t.ToJson()));
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                return Fail(Failed, $"cannot write {path}: {error.Message}");
            }
            foreach (var tick in injected) Console.Error.WriteLine($"injected outlier: {tick.ToJson()}");
            Console.WriteLine($"wrote {ticks.Count:N0} ticks to {path}");
            return Ok;
        });
        return command;
    }

    static Command Report()
    {
        var input = new Option<string>("--input") { Description = "JSON-lines file of ticks (one message per line)", Required = true };
        var json = new Option<bool>("--json") { Description = "print the report as JSON" };
        var threshold = new Option<double>("--threshold") { Description = "report ticks whose |z| is above this", DefaultValueFactory = _ => PriceReport.DefaultThreshold };
        var command = new Command("report", "count, per-symbol min/max/mean/std and z-score outliers of a batch of ticks") { input, json, threshold };
        command.SetAction(parsed =>
        {
            if (!(parsed.GetValue(threshold) > 0) || !double.IsFinite(parsed.GetValue(threshold))) return Fail(BadArguments, "--threshold must be a number greater than 0");
            var path = parsed.GetValue(input)!;
            if (Directory.Exists(path)) return Fail(Failed, $"cannot read {path}: it is a directory");
            if (!File.Exists(path)) return Fail(BadArguments, $"--input {path}: no such file");
            PriceReport report;
            try
            {
                report = PriceReportBuilder.FromFile(path, parsed.GetValue(threshold));
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                return Fail(Failed, $"cannot read {path}: {error.Message}");
            }
            Console.Write(parsed.GetValue(json) ? JsonSerializer.Serialize(report, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }) + "\n" : Text(report, path));
            return Ok;
        });
        return command;
    }

    /// <summary>The report for a terminal: a statistics table, the outliers and the invalid messages.</summary>
    static string Text(PriceReport report, string source)
    {
        var text = new System.Text.StringBuilder();
        void Line(string line) => text.Append(line).Append('\n');
        if (report.Count == 0) Line($"no ticks in {source}");
        else
        {
            Line(string.Create(CultureInfo.InvariantCulture, $"{report.Count:N0} ticks in {source}"));
            Line($"{"symbol",-10} {"count",9} {"min",12} {"max",12} {"mean",12} {"std",12}");
            foreach (var s in report.Symbols)
                Line(string.Create(CultureInfo.InvariantCulture, $"{s.Symbol,-10} {s.Count,9:N0} {s.Min,12:F2} {s.Max,12:F2} {s.Mean,12:F4} {s.StandardDeviation,12:F4}"));
            Line(string.Create(CultureInfo.InvariantCulture, $"{report.Outliers.Count} outlier(s) with |z| > {report.Threshold:0.###}; {report.ZScoreBasis}"));
            foreach (var o in report.Outliers)
                Line(string.Create(CultureInfo.InvariantCulture, $"  {o.Ts.ToString(PriceTick.TimestampFormat, CultureInfo.InvariantCulture)}  {o.Symbol,-10} {o.Price,12:F2}  z = {o.ZScore:F2}"));
        }
        if (report.Invalid > 0)
        {
            Line($"{report.Invalid:N0} invalid message(s) skipped:");
            foreach (var invalid in report.InvalidExamples) Line($"  line {invalid.Position}: {invalid.Reason}");
            if (report.Invalid > report.InvalidExamples.Count) Line($"  ... {report.Invalid - report.InvalidExamples.Count:N0} more");
        }
        return text.ToString();
    }

    static int Fail(int code, string message)
    {
        Console.Error.WriteLine("error: " + message);
        return code;
    }
}
