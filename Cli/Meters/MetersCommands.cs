using System.CommandLine;
using System.Diagnostics;
using Meters;
using Meters.Capture;
using Meters.Checks;
using Meters.Files;

namespace Cli.Meters;

/// <summary>
/// `pipeline meters`: produce to Kafka, import a capture into the raw table, and `clean`: the meter workflow's
/// process → clean → check over a capture file, without infrastructure.
/// </summary>
internal static class MetersCommands
{
    public const int Ok = 0, Failed = 1, BadArguments = 2;

    public static Command Create()
    {
        var meters = new Command("meters", "meter measurements (device × signal series on a 10 s grid)");
        meters.Subcommands.Add(Clean());
        meters.Subcommands.Add(MeterProduceCommand.Create());
        meters.Subcommands.Add(MeterImportCommand.Create());
        return meters;
    }

    static Command Clean()
    {
        var input = new Option<string>("--input") { Description = "capture to clean: Spark Kafka Parquet, or JSON lines (kcat, plain or -J)", Required = true };
        var output = new Option<string>("--out") { Description = "directory for cleaned.<format>, checks.json and quarantine.jsonl", Required = true };
        var format = new Option<string>("--format") { Description = "cleaned series as parquet or csv", DefaultValueFactory = _ => "parquet" };
        var command = new Command("clean", "parse, clean onto the 10 s grid (gap fill per series) and check a capture; the default series and rules of the pipeline") { input, output, format };
        command.SetAction(async (parsed, ct) =>
        {
            if (parsed.GetValue(format) switch { "parquet" => CleanedFormat.Parquet, "csv" => CleanedFormat.Csv, _ => (CleanedFormat?)null } is not { } fileFormat)
                return Fail(BadArguments, $"--format '{parsed.GetValue(format)}' is not parquet or csv");
            var path = parsed.GetValue(input)!;
            if (!File.Exists(path)) return Fail(BadArguments, $"--input {path}: no such file");
            var directory = parsed.GetValue(output)!;
            var clock = Stopwatch.StartNew();
            try
            {
                var records = await ReadCaptureAsync(path, ct);
                var run = MeterRun.Execute(records, new MeterOptions());
                await CleanedFiles.WriteAsync(directory, run, fileFormat, ct);
                Console.WriteLine($"{path}: {run.Processed.Records:N0} records: {run.Processed.Known.Count:N0} measurements, {run.Processed.Unknown.Count:N0} of unknown series, {run.Processed.Quarantined.Count:N0} quarantined");
                foreach (var series in run.Series)
                    Console.WriteLine($"  {series.Series}: {series.Count:N0} grid points, {series.MeasuredCount:N0} measured, {series.Count - series.MeasuredCount:N0} filled, {series.UnfilledGaps.Count} gap(s) over the maximum");
                foreach (var failed in run.Checks.Where(c => !c.Passed))
                    Console.WriteLine($"  {failed.Severity.ToString().ToLowerInvariant()}: {failed.Check}{(failed.Series is null ? "" : " " + failed.Series)}{(failed.WindowStart is { } w ? $" {w:yyyy-MM-dd HH:mm}" : "")}: {failed.Message}");
                Console.WriteLine($"wrote {directory} in {clock.Elapsed.TotalSeconds:F1} s");
                var errors = run.Checks.Count(c => !c.Passed && c.Severity == CheckSeverity.Error);
                return errors == 0 ? Ok : Fail(Failed, $"{errors} error-level check(s) failed (see {Path.Combine(directory, "checks.json")})");
            }
            catch (CaptureFormatException error)
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

    /// <summary>A Parquet file by its magic bytes ("PAR1"), anything else as JSON lines.</summary>
    public static async Task<IReadOnlyList<RawRecord>> ReadCaptureAsync(string path, CancellationToken ct, string? topic = null)
    {
        var magic = new byte[4];
        await using (var file = File.OpenRead(path))
            await file.ReadAtLeastAsync(magic, magic.Length, throwOnEndOfStream: false, ct);
        return magic.AsSpan().SequenceEqual("PAR1"u8) ? await ParquetCapture.ReadAsync(path, ct) : JsonLinesCapture.Read(path, topic);
    }

    public static int Fail(int code, string message)
    {
        Console.Error.WriteLine("error: " + message);
        return code;
    }
}
