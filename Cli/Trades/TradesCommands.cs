using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Trades;
using Trades.Analytics;
using Trades.Csv;
using Trades.Export;
using Trades.Generation;

namespace Cli.Trades;

/// <summary>`pipeline trades generate|analyze|import`.</summary>
internal static class TradesCommands
{
    public const int Ok = 0, Failed = 1, BadArguments = 2;

    public static Command Create()
    {
        var trades = new Command("trades", "EPEX/XBID continuous intraday trades");
        trades.Subcommands.Add(Generate());
        trades.Subcommands.Add(Analyze());
        trades.Subcommands.Add(Import());
        trades.Subcommands.Add(BackfillCommand.Create());
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
        var method = new Option<string>("--method") { Description = "anomaly method: robust (median/MAD pooled over the delivery hour, floored, with a confidence), mad (the seed's plain per-product median/MAD) or relative-to-mean (the original |price - mean| > 2*mean rule)", DefaultValueFactory = _ => "robust" };
        var threshold = new Option<double?>("--threshold") { Description = "robust: |modified z| limit (default 5); relative-to-mean: the factor k (default 2)" };
        var top = new Option<int>("--top") { Description = "products per ranking", DefaultValueFactory = _ => 5 };
        var command = new Command("analyze", "product statistics, top products and price anomalies of a trades CSV, without infrastructure") { input, output, method, threshold, top };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            if (AnalysisOptions.ParseMethod(parsed.GetValue(method)!) is not { } anomalyMethod)
                return Fail(BadArguments, $"--method '{parsed.GetValue(method)}' is not robust or relative-to-mean");
            if (parsed.GetValue(top) < 1) return Fail(BadArguments, "--top must be at least 1");
            var options = new AnalysisOptions { Method = anomalyMethod, TopCount = parsed.GetValue(top) };
            if (parsed.GetValue(threshold) is { } limit)
            {
                if (limit <= 0) return Fail(BadArguments, "--threshold must be greater than 0");
                options = anomalyMethod == AnomalyMethod.RelativeToMean ? options with { RelativeToMeanFactor = limit } : options with { RobustThreshold = limit };
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
                await AnalysisFiles.WriteParquetAsync(directory, result, cancellationToken);
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

    /// <summary>
    /// Uploads a CSV to a running system's REST API (POST /api/trades/imports), which validates and stores it exactly as
    /// the stream path does. The operator's password comes from the environment, never from the command line.
    /// </summary>
    private static Command Import()
    {
        var file = new Argument<string>("csv") { Description = "trades CSV (exchange layout) to import" };
        var url = new Option<string>("--url") { Description = "Web's address", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var user = new Option<string>("--user") { Description = $"operator name; the password is read from {PasswordVariable}", Required = true };
        var command = new Command("import", "import a trades CSV into a running system (same validation and de-duplication as the stream)") { file, url, user };
        command.SetAction(async (parsed, ct) =>
        {
            var path = parsed.GetValue(file)!;
            if (!File.Exists(path)) return Fail(BadArguments, $"{path}: no such file");
            if (!Uri.TryCreate(parsed.GetValue(url), UriKind.Absolute, out var web) || web.Scheme is not ("http" or "https"))
                return Fail(BadArguments, $"--url '{parsed.GetValue(url)}' is not an http(s) address");
            if (Environment.GetEnvironmentVariable(PasswordVariable) is not { Length: > 0 } password)
                return Fail(BadArguments, $"set {PasswordVariable} to the password of operator '{parsed.GetValue(user)}'");

            using var http = new HttpClient { BaseAddress = web, Timeout = TimeSpan.FromMinutes(30) };
            var credentials = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{parsed.GetValue(user)}:{password}"));
            await using var body = File.OpenRead(path);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/trades/imports") { Content = new StreamContent(body) };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/csv");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", credentials);
            request.Headers.Add("X-File-Name", Path.GetFileName(path)); // names the import's origin in quarantine
            try
            {
                using var response = await http.SendAsync(request, ct);
                var text = await response.Content.ReadAsStringAsync(ct);
                if (!response.IsSuccessStatusCode)
                    return Fail(Failed, $"{web} answered {(int)response.StatusCode} {response.ReasonPhrase}: {ProblemDetail(text)}");
                var outcome = System.Text.Json.JsonDocument.Parse(text).RootElement;
                long Count(string name) => outcome.GetProperty(name).GetInt64();
                Console.WriteLine($"{path}: {Count("received"):N0} records received, {Count("inserted"):N0} new trade legs, {Count("duplicates"):N0} already stored, {Count("quarantined"):N0} quarantined (see /trades/quarantine)");
                return Ok;
            }
            catch (HttpRequestException error)
            {
                return Fail(Failed, $"cannot reach {web}: {error.Message}");
            }
        });
        return command;
    }

    const string PasswordVariable = "PIPELINE_OPERATOR_PASSWORD";

    /// <summary>The detail of an RFC 7807 problem answer, or the raw text.</summary>
    private static string ProblemDetail(string text)
    {
        try
        {
            var problem = System.Text.Json.JsonDocument.Parse(text).RootElement;
            return problem.TryGetProperty("detail", out var detail) ? detail.GetString() ?? text
                : problem.TryGetProperty("title", out var title) ? title.GetString() ?? text : text;
        }
        catch (System.Text.Json.JsonException)
        {
            return text.Length == 0 ? "(no body)" : text;
        }
    }

    internal static int Fail(int code, string message)
    {
        Console.Error.WriteLine("error: " + message);
        return code;
    }
}
