using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Prices;

namespace Cli.Prices;

/// <summary>`pipeline prices produce|report|generate`: price ticks to Kafka or to JSON lines, and the batch report over a topic or a file.</summary>
internal static class PricesCommands
{
    const int Ok = 0, Failed = 1, BadArguments = 2;

    public static Command Create()
    {
        var prices = new Command("prices", "price ticks {ts, symbol, price}");
        prices.Subcommands.Add(Produce());
        prices.Subcommands.Add(Report());
        prices.Subcommands.Add(Generate());
        return prices;
    }

    /// <summary>The options `produce` and `generate` share: what to generate.</summary>
    sealed record GenerationOptions(Option<int> Count, Option<string?> Symbols, Option<int> Outliers, Option<int> Seed)
    {
        public static GenerationOptions Create() => new(
            new Option<int>("--count") { Description = "number of ticks", DefaultValueFactory = _ => 5000 },
            new Option<string?>("--symbols")
            {
                Description = $"comma-separated symbols: defaults by name ({string.Join(", ", PriceGenerationOptions.DefaultSymbols.Select(s => s.Symbol))}, all by default) or NAME=mean:std",
            },
            new Option<int>("--outliers") { Description = "ticks replaced by prices 6-10 standard deviations away (listed on stderr)", DefaultValueFactory = _ => 0 },
            new Option<int>("--seed") { Description = "random seed; the same seed gives the same prices", DefaultValueFactory = _ => 1 });

        public IEnumerable<Option> All => [Count, Symbols, Outliers, Seed];

        /// <summary>The generator's options, or the message naming the bad argument.</summary>
        public (PriceGenerationOptions? Options, string? Error) Read(ParseResult parsed, DateTime start)
        {
            var count = parsed.GetValue(Count);
            if (count < 1) return (null, "--count must be at least 1");
            if (parsed.GetValue(Outliers) is var o && (o < 0 || o > count)) return (null, "--outliers must be between 0 and --count");
            var symbols = PriceGenerationOptions.DefaultSymbols;
            if (parsed.GetValue(Symbols) is { } text)
            {
                try
                {
                    symbols = SymbolDistribution.ParseList(text);
                }
                catch (FormatException e)
                {
                    return (null, $"--symbols: {e.Message}");
                }
            }
            return (new PriceGenerationOptions { Count = count, Symbols = symbols, Outliers = o, Seed = parsed.GetValue(Seed), Start = start }, null);
        }
    }

    static Command Produce()
    {
        var generation = GenerationOptions.Create();
        var topic = new Option<string>("--topic") { Description = "topic to send to", DefaultValueFactory = _ => PriceTickProducer.DefaultTopic };
        var kafka = KafkaOption();
        var command = new Command("produce", "send generated ticks to Kafka ({\"ts\", \"symbol\", \"price\"} JSON, keyed by symbol), timestamps from now, then exit") { topic, kafka };
        foreach (var option in generation.All) command.Options.Add(option);
        command.SetAction(async (parsed, ct) =>
        {
            var now = DateTime.UtcNow;
            var (options, problem) = generation.Read(parsed, new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc));
            if (options is null) return Fail(BadArguments, problem!);
            var (ticks, injected) = PriceGenerator.Generate(options);
            using var host = PricesHost.Build(parsed.GetValue(kafka));
            await host.StartAsync(ct);
            try
            {
                var delivered = await PriceTickProducer.ProduceAsync(host.Services.GetRequiredService<IProducer<string, string>>(), parsed.GetValue(topic)!, ticks, ct);
                foreach (var tick in injected) Console.Error.WriteLine($"injected outlier: {tick.ToJson()}");
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"produced {delivered:N0} ticks for {string.Join(", ", options.Symbols.Select(s => s.Symbol))} to topic {parsed.GetValue(topic)} at {PricesHost.BootstrapServers(host)}"));
                return Ok;
            }
            catch (KafkaException e)
            {
                return Fail(Failed, e.Error.Reason);
            }
            finally
            {
                await host.StopAsync(CancellationToken.None); // flushes telemetry
            }
        });
        return command;
    }

    static Command Generate()
    {
        var generation = GenerationOptions.Create();
        var output = new Option<string>("--out") { Description = "JSON-lines file to write (one tick per line)", Required = true };
        var command = new Command("generate", "write generated ticks (normal per symbol, two decimals) to a JSON-lines file, timestamps from 2024-01-01") { output };
        foreach (var option in generation.All) command.Options.Add(option);
        command.SetAction(parsed =>
        {
            var (options, problem) = generation.Read(parsed, new PriceGenerationOptions().Start);
            if (options is null) return Fail(BadArguments, problem!);
            var path = parsed.GetValue(output)!;
            var (ticks, injected) = PriceGenerator.Generate(options);
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
        var input = new Option<string?>("--input") { Description = "report on a JSON-lines file (one message per line) instead of the topic" };
        var topic = new Option<string?>("--topic") { Description = $"topic to read from its earliest offsets up to the high-water marks at start (default {PriceTickProducer.DefaultTopic})" };
        var kafka = KafkaOption();
        var json = new Option<bool>("--json") { Description = "print the report as JSON" };
        var threshold = new Option<double>("--threshold") { Description = "report ticks whose |z| is above this", DefaultValueFactory = _ => PriceReport.DefaultThreshold };
        var command = new Command("report", "count, per-symbol min/max/mean/std and z-score outliers of the ticks in a topic (or a file)") { input, topic, kafka, json, threshold };
        command.SetAction(async (parsed, ct) =>
        {
            var z = parsed.GetValue(threshold);
            if (!(z > 0) || !double.IsFinite(z)) return Fail(BadArguments, "--threshold must be a number greater than 0");
            if (parsed.GetValue(input) is not { } path) return await ReportTopicAsync(parsed.GetValue(topic) ?? PriceTickProducer.DefaultTopic, parsed.GetValue(kafka), z, parsed.GetValue(json), ct);
            if (parsed.GetValue(topic) is not null || parsed.GetValue(kafka) is not null) return Fail(BadArguments, "--input reports on a file: leave out --topic and --kafka");
            if (Directory.Exists(path)) return Fail(Failed, $"cannot read {path}: it is a directory");
            if (!File.Exists(path)) return Fail(BadArguments, $"--input {path}: no such file");
            PriceReport report;
            try
            {
                report = PriceReportBuilder.FromFile(path, z);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                return Fail(Failed, $"cannot read {path}: {error.Message}");
            }
            Console.Write(parsed.GetValue(json) ? Json(report, partitions: null) : Text(report));
            return Ok;
        });
        return command;
    }

    static async Task<int> ReportTopicAsync(string topic, string? kafka, double threshold, bool json, CancellationToken ct)
    {
        using var host = PricesHost.Build(kafka);
        await host.StartAsync(ct);
        try
        {
            var consumers = host.Services.GetRequiredService<ServiceDefaults.Kafka.KafkaConsumerFactory<Ignore, byte[]>>();
            var (report, partitions) = await PriceTopic.ReadAsync(() => consumers.Create(), topic, threshold, ct);
            Console.Write(json ? Json(report, partitions) : Text(report));
            return Ok;
        }
        catch (PriceTopicException e)
        {
            return Fail(Failed, $"{e.Message} (Kafka at {PricesHost.BootstrapServers(host)})");
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    static Option<string?> KafkaOption() =>
        new("--kafka") { Description = $"Kafka bootstrap servers (default: ConnectionStrings__kafka, else {PricesHost.DefaultBootstrapServers})" };

    static string Json(PriceReport report, IReadOnlyList<PartitionRange>? partitions)
    {
        var web = new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true };
        var node = JsonSerializer.SerializeToNode(report, web)!.AsObject();
        if (partitions is not null) node["partitions"] = JsonSerializer.SerializeToNode(partitions, web);
        return node.ToJsonString(web) + "\n";
    }

    /// <summary>The report for a terminal: a statistics table, the outliers and the rejected messages.</summary>
    static string Text(PriceReport report)
    {
        var text = new System.Text.StringBuilder();
        void Line(string line) => text.Append(line).Append('\n');
        if (report.Count == 0) Line($"no ticks in {report.Source}");
        else
        {
            Line(string.Create(CultureInfo.InvariantCulture, $"{report.Count:N0} ticks in {report.Source}"));
            Line($"{"symbol",-10} {"count",9} {"min",12} {"max",12} {"mean",12} {"std",12}");
            foreach (var s in report.Symbols)
                Line(string.Create(CultureInfo.InvariantCulture, $"{s.Symbol,-10} {s.Count,9:N0} {s.Min,12:F2} {s.Max,12:F2} {s.Mean,12:F4} {s.StandardDeviation,12:F4}"));
            Line(string.Create(CultureInfo.InvariantCulture, $"{report.Outliers.Count} outlier(s) with |z| > {report.Threshold:0.###}; {report.ZScoreBasis}"));
            foreach (var o in report.Outliers)
                Line(string.Create(CultureInfo.InvariantCulture, $"  {o.Ts.ToString(PriceTick.TimestampFormat, CultureInfo.InvariantCulture)}  {o.Symbol,-10} {o.Price,12:F2}  z = {o.ZScore:F2}"));
        }
        if (report.Invalid > 0)
        {
            Line(string.Create(CultureInfo.InvariantCulture, $"{report.Invalid:N0} message(s) rejected (not counted above):"));
            foreach (var invalid in report.InvalidExamples) Line($"  {invalid.Location}: {invalid.Reason}");
            if (report.Invalid > report.InvalidExamples.Count) Line(string.Create(CultureInfo.InvariantCulture, $"  ... {report.Invalid - report.InvalidExamples.Count:N0} more"));
        }
        return text.ToString();
    }

    static int Fail(int code, string message)
    {
        Console.Error.WriteLine("error: " + message);
        return code;
    }
}
