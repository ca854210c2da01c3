using Meters.Capture;
using Meters.Checks;
using Meters.Cleaning;
using Meters.Processing;

namespace Meters;

/// <summary>What one run over a batch of raw records produced.</summary>
public sealed record MeterRunResult(ProcessedBatch Processed, IReadOnlyList<CleanedSeries> Series, IReadOnlyList<CheckResult> Checks)
{
    public bool Failed => MeterChecks.Failed(Checks);
}

/// <summary>
/// Process → Clean → Check over a batch of raw records, whatever they came from (a Parquet capture, a JSON-lines
/// file, the raw table or a topic reader). The CLI's <c>meters clean</c> and the meter workflow run this same code.
/// </summary>
public static class MeterRun
{
    public static MeterRunResult Execute(IEnumerable<RawRecord> records, MeterOptions options)
    {
        if (options.Validate() is { } problem) throw new ArgumentException(problem, nameof(options));
        var processed = MeterProcessing.Process(records, options);
        var series = Clean(processed.Known, options);
        return new MeterRunResult(processed, series, MeterChecks.Run(processed, series, options));
    }

    /// <summary>Every configured series that has measurements, cleaned onto the grid, in the configured order.</summary>
    public static IReadOnlyList<CleanedSeries> Clean(IReadOnlyList<Measurement> measurements, MeterOptions options)
    {
        using var span = MeterTelemetry.Source.StartActivity("meters.clean");
        var bySeries = measurements.GroupBy(m => m.Series).ToDictionary(g => g.Key, g => g.Select(m => new Observation(m.TMeasurement.Ticks, m.Value, m.Offset)).ToArray());
        return options.Series
            .Where(s => bySeries.ContainsKey(s.Key))
            .Select(s => SeriesCleaner.Clean(s.Key, bySeries[s.Key], s, options))
            .ToList();
    }
}
