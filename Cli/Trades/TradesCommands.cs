using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Trades;
using Trades.Analytics;
using Trades.Csv;
using Trades.Export;
using Trades.Generation;

namespace Cli.Trades;

/// <summary>`pipeline trades generate|analyze`. (`import` into a running system is wired by the Workers side.)</summary>
internal static class TradesCommands
{
    public const int Ok = 0, Failed = 1, BadArguments = 2;

    public static Command Create()
    {
        var trades = new Command("trades", "EPEX/XBID continuous intraday trades");
        trades.Subcommands.Add(Generate());
        trades.Subcommands.Add(Analyze());
        return trades;
    }

    private static Command Generate()
    {
        var day = new Option<string>("--day") { Description = "first delivery day (market time), yyyy-MM-dd", Required = true };
        var days = new Option<int>("--days") { Description = "number of delivery days", DefaultValueFactory = _ => 1 };
        var area = new Option<string[]>("--area") { Description = $"delivery area(s): {string.Join(", ", TradeGenerator.Areas)}", Required = true, AllowMultipleArgumentsPerToken = true };
        var anomalies = new Option<int>("--anomalies") { Description = "price spikes/drops to inject (ground truth in <out>.anomalies.csv)", DefaultValueFactory = _ => 0 };
        var seed = new Option<ulong>("--seed") { Description = "random seed; the same seed gives the same file", DefaultValueFactory = _ => 1UL };
        var intensity = new Option<double>("--intensity") { Description = "multiplies the number of trades (1 = about 32,700 rows for FR a day)", DefaultValueFactory = _ => 1.0 };
        var output = new Option<string>("--out") { Description = "CSV file to write (exchange layout: comment line, header, rows)", Required = true };
        var command = new Command("generate", "generate realistic trades as an exchange CSV") { day, days, area, anomalies, seed, intensity, output };
        command.SetAction(parsed =>
        {
            if (!DateOnly.TryParseExact(parsed.GetValue(day), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var first))
                return Fail(BadArguments, $"--day '{parsed.GetValue(day)}' is not a date in the form yyyy-MM-dd");
            var areas = parsed.GetValue(area)!.SelectMany(a => a.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Select(a => a.ToUpperInvariant()).ToList();
            if (areas.FirstOrDefault(a => !TradeGenerator.Areas.Contains(a)) is { } unknown)
                return Fail(BadArguments, $"--area '{unknown}' is not a known delivery area ({string.Join(", ", TradeGenerator.Areas)})");
            if (parsed.GetValue(days) < 1) return Fail(BadArguments, "--days must be at least 1");
            if (parsed.GetValue(anomalies) < 0) return Fail(BadArguments, "--anomalies must not be negative");
            if (parsed.GetValue(intensity) is <= 0 or > 1000) return Fail(BadArguments, "--intensity must be above 0 and at most 1000");
            var path = parsed.GetValue(output)!;
            var options = new TradeGenerationOptions
            {
                FirstDay = first,
                Days = parsed.GetValue(days),
                Areas = areas,
                Seed = parsed.GetValue(seed),
                Anomalies = parsed.GetValue(anomalies),
                Intensity = parsed.GetValue(intensity),
            };
            try
            {
                var injected = new List<InjectedAnomaly>();
                long rows = 0;
                TradeCsv.Write(path, TradeGenerator.GenerateDays(options).SelectMany(d => { injected.AddRange(d.Anomalies); return d.Trades; }).Select(t => { rows++; return t; }), TradeGenerator.Comment(options));
                if (options.Anomalies > 0) TradeGenerator.WriteAnomalies(path + ".anomalies.csv", injected);
                Console.WriteLine($"wrote {rows:N0} trades to {path}" + (options.Anomalies > 0 ? $" and {injected.Count} injected anomalies to {path}.anomalies.csv" : ""));
                return Ok;
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                return Fail(Failed, $"cannot write {path}: {error.Message}");
            }
        });
        return command;
    }

    private static Command Analyze()
    {
        var input = new Option<string>("--input") { Description = "trades CSV (exchange layout)", Required = true };
        var output = new Option<string>("--out") { Description = "directory for product_stats, top_products, anomalies (.json and .parquet)", Required = true };
        var method = new Option<string>("--method") { Description = "anomaly method: robust (median/MAD) or relative-to-mean (the original |price - mean| > 2*mean rule)", DefaultValueFactory = _ => "robust" };
        var threshold = new Option<double?>("--threshold") { Description = "robust: |modified z| limit (default 5); relative-to-mean: the factor k (default 2)" };
        var top = new Option<int>("--top") { Description = "products per ranking", DefaultValueFactory = _ => 5 };
        var command = new Command("analyze", "product statistics, top products and price anomalies of a trades CSV, without infrastructure") { input, output, method, threshold, top };
        command.SetAction(parsed =>
        {
            if (AnalysisOptions.ParseMethod(parsed.GetValue(method)!) is not { } anomalyMethod)
                return Fail(BadArguments, $"--method '{parsed.GetValue(method)}' is not robust or relative-to-mean");
            if (parsed.GetValue(top) < 1) return Fail(BadArguments, "--top must be at least 1");
            var options = new AnalysisOptions { Method = anomalyMethod, TopCount = parsed.GetValue(top) };
            if (parsed.GetValue(threshold) is { } limit)
            {
                if (limit <= 0) return Fail(BadArguments, "--threshold must be greater than 0");
                options = anomalyMethod == AnomalyMethod.Robust ? options with { RobustThreshold = limit } : options with { RelativeToMeanFactor = limit };
            }
            var path = parsed.GetValue(input)!;
            if (!File.Exists(path)) return Fail(BadArguments, $"--input {path}: no such file");
            var directory = parsed.GetValue(output)!;
            var clock = Stopwatch.StartNew();
            try
            {
                long rejected = 0;
                // sized from the file (exchange rows are about 160 bytes, ~70 % of rows are distinct trades) so the
                // columns are allocated once instead of doubling through copies
                var table = new TradeTable((int)Math.Clamp(new FileInfo(path).Length / 200, 1 << 16, 1 << 28));
                TradeCsv.Load(path, table, record =>
                {
                    if (++rejected <= 10) Console.Error.WriteLine($"{path}:{record.LineNumber}: {record.Reason}");
                });
                if (rejected > 10) Console.Error.WriteLine($"... {rejected - 10:N0} more invalid records");
                var result = TradeAnalytics.Analyze(table, options);
                AnalysisFiles.WriteJson(directory, result);
                AnalysisFiles.WriteParquet(directory, result);
                Console.WriteLine($"{result.Rows:N0} valid rows ({result.DistinctTrades:N0} trades, {rejected:N0} invalid records skipped): {result.ProductStats.Count:N0} products, {result.Anomalies.Count:N0} anomalies ({AnalysisOptions.Name(anomalyMethod)}), {result.Findings.Count:N0} data-quality findings; wrote {directory} in {clock.Elapsed.TotalSeconds:F1} s");
                return Ok;
            }
            catch (TradeCsvFormatException error)
            {
                return Fail(Failed, $"{path}: {error.Message}");
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                return Fail(Failed, error.Message);
            }
        });
        return command;
    }

    private static int Fail(int code, string message)
    {
        Console.Error.WriteLine("error: " + message);
        return code;
    }
}
