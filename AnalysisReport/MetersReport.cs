using System.Globalization;
using Meters;
using Meters.Capture;

namespace AnalysisReport;

/// <summary>
/// Meters: the recorded Spark capture (real data, tests/Meters.Tests/Data) through the meter pipeline's own code
/// (<see cref="MeterRun"/>: parse, quarantine, gap fill on the 10 s grid, checks) with the default options.
/// </summary>
static class MetersReport
{
    public const string Capture = "tests/Meters.Tests/Data/consumer_data.snappy.parquet";

    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static async Task<string> WriteAsync(string repository, string figures)
    {
        var records = await ParquetCapture.ReadAsync(Path.Combine(repository, Capture));
        var run = MeterRun.Execute(records, new MeterOptions());

        var series = run.Series.Where(s => s.Count > 0).OrderBy(s => s.Series.ToString(), StringComparer.Ordinal).Select(s =>
        {
            var span = (s.Timestamp(s.Count - 1) - s.Timestamp(0)).Ticks / TimeSpan.FromSeconds(10).Ticks + 1;
            return (Name: $"{s.Series.DeviceId}/{s.Series.SignalName}", First: s.Timestamp(0), Last: s.Timestamp(s.Count - 1), Span: span,
                Before: (double)s.MeasuredCount / span, After: (double)s.Count / span, Filled: s.Count - s.MeasuredCount, Gaps: s.UnfilledGaps.Count);
        }).ToList();

        var plot = Charts.Create("Meter series: share of the 10 s grid with a value", "", "completeness");
        var positions = series.Select((_, i) => (double)i).ToArray();
        var before = plot.Add.Bars(positions.Select(p => p - 0.2).ToArray(), series.Select(s => s.Before).ToArray());
        before.LegendText = "as received";
        var after = plot.Add.Bars(positions.Select(p => p + 0.2).ToArray(), series.Select(s => s.After).ToArray());
        after.LegendText = "after cleaning";
        foreach (var bar in before.Bars.Concat(after.Bars)) bar.Size = 0.38;
        plot.Axes.Bottom.SetTicks(positions, [.. series.Select(s => s.Name)]);
        plot.Axes.SetLimitsY(0, 1.1);
        plot.ShowLegend();

        var rows = series.Select(s => string.Create(Invariant,
            $"| {s.Name} | {s.First:HH:mm:ss}–{s.Last:HH:mm:ss} | {s.Span:N0} | {s.Before:P1} | {s.After:P1} | {s.Filled:N0} | {s.Gaps} |"));
        var failed = run.Checks.Where(c => !c.Passed).Select(c => $"- {c.Severity.ToString().ToLowerInvariant()}: `{c.Check}`{(c.Series is null ? "" : " " + c.Series)}: {c.Message}").ToList();
        return string.Create(Invariant, $"""
            ## Meters: the recorded capture, before and after cleaning

            **Data: recorded.** `{Capture}` is a real Spark capture of the meter topic ({records.Count:N0} Kafka records,
            2024-05-23): {run.Processed.Known.Count:N0} measurements of the pipeline's series, {run.Processed.Unknown.Count:N0} of
            series it does not know (the capture starts with test traffic) and {run.Processed.Quarantined.Count:N0} quarantined
            with a reason. Cleaning puts each series on the 10-second grid and fills gaps (linear for continuous signals,
            forward fill for counters; gaps beyond the configured maximum stay open and are reported).

            {Charts.Save(plot, figures, "meter-completeness", "Per series: share of grid points with a value, as received and after cleaning")}

            | series | span (UTC) | grid points | as received | after cleaning | filled | open gaps |
            |---|---|---|---|---|---|---|
            {string.Join('\n', rows)}

            Checks that did not pass on this capture:
            {(failed.Count == 0 ? "- none" : string.Join('\n', failed))}

            """);
    }
}
