using System.Globalization;
using Meters.Cleaning;
using Meters.Processing;

namespace Meters.Checks;

/// <summary>
/// Check: the data checks of a processed and cleaned batch, as data. Batch-wide: records that did not parse, series
/// nobody configured. Per configured series: completeness per window, values within the configured range,
/// duplicates and conflicting duplicates, timestamp order in the log, t_report/t_measurement consistency,
/// observations off the grid, gaps over the maximum fill.
/// </summary>
public static class MeterChecks
{
    const int Examples = 3;

    public static IReadOnlyList<CheckResult> Run(ProcessedBatch batch, IReadOnlyList<CleanedSeries> cleaned, MeterOptions options)
    {
        using var span = MeterTelemetry.Source.StartActivity("meters.check");
        var results = new List<CheckResult> { Parse(batch) };
        results.AddRange(UnknownSeries(batch));
        var measurements = batch.Known.GroupBy(m => m.Series).ToDictionary(g => g.Key, g => g.OrderBy(m => m.Partition).ThenBy(m => m.Offset).ToList());
        foreach (var series in options.Series)
        {
            var rows = measurements.GetValueOrDefault(series.Key) ?? [];
            var name = series.Key.ToString();
            if (cleaned.FirstOrDefault(c => c.Series == series.Key) is not { Count: > 0 } grid)
            {
                results.Add(new CheckResult { Check = MeterCheckNames.Completeness, Severity = CheckSeverity.Warning, Passed = false, Series = name, Count = 0, Message = "no measurements" });
                continue;
            }
            results.AddRange(Completeness(grid, options, name));
            results.Add(ValueRange(rows, series, name));
            results.Add(Rejections(grid, name, MeterCheckNames.Duplicates, CheckSeverity.Warning, "repeated or colliding observation(s) not used", RejectionKind.Duplicate, RejectionKind.SnapCollision));
            results.Add(Rejections(grid, name, MeterCheckNames.ConflictingDuplicates, CheckSeverity.Error, "observation(s) with the time of another but a different value (the first received is used)", RejectionKind.ConflictingDuplicate));
            results.Add(TimestampOrder(rows, name));
            results.Add(ReportConsistency(rows, options, name));
            results.Add(Rejections(grid, name, MeterCheckNames.OffGrid, CheckSeverity.Warning, $"observation(s) farther than {options.SnapTolerance.TotalSeconds:0.###} s from the grid, not used", RejectionKind.OffGrid));
            results.Add(Gaps(grid, series, name));
        }
        span?.SetTag("meters.checks.failed", results.Count(r => !r.Passed));
        return results;
    }

    /// <summary>A run fails when an error-level check fails.</summary>
    public static bool Failed(IEnumerable<CheckResult> results) => results.Any(r => !r.Passed && r.Severity == CheckSeverity.Error);

    static CheckResult Parse(ProcessedBatch batch)
    {
        var reasons = batch.Quarantined.GroupBy(q => q.Reason).OrderByDescending(g => g.Count()).Take(Examples).Select(g => $"{g.Count():N0}× {g.Key}");
        return new CheckResult
        {
            Check = MeterCheckNames.Parse,
            Severity = CheckSeverity.Warning,
            Passed = batch.Quarantined.Count == 0,
            Count = batch.Quarantined.Count,
            Message = batch.Quarantined.Count == 0
                ? $"all {batch.Records:N0} records parsed"
                : $"{batch.Quarantined.Count:N0} of {batch.Records:N0} records did not parse and are quarantined: {string.Join("; ", reasons)}",
        };
    }

    static IEnumerable<CheckResult> UnknownSeries(ProcessedBatch batch)
    {
        if (batch.Unknown.Count == 0)
            return [new CheckResult { Check = MeterCheckNames.UnknownSeries, Severity = CheckSeverity.Warning, Passed = true, Count = 0, Message = "every measurement belongs to a configured series" }];
        return batch.Unknown.GroupBy(m => m.Series).OrderBy(g => g.Key.ToString(), StringComparer.Ordinal).Select(g => new CheckResult
        {
            Check = MeterCheckNames.UnknownSeries,
            Severity = CheckSeverity.Warning,
            Passed = false,
            Series = g.Key.ToString(),
            Count = g.Count(),
            Message = $"{g.Count():N0} measurement(s) of a series that is not configured (offsets {g.Min(m => m.Offset)}–{g.Max(m => m.Offset)}), kept apart and not cleaned",
        });
    }

    static List<CheckResult> Completeness(CleanedSeries grid, MeterOptions options, string name)
    {
        var results = new List<CheckResult>();
        var step = options.GridInterval.Ticks;
        var window = options.CompletenessWindow.Ticks;
        var epoch = DateTime.UnixEpoch.Ticks;
        var ticks = grid.Ticks;
        var methods = grid.Methods;
        var (first, last) = (ticks[0], ticks[^1]);
        for (var start = epoch + (first - epoch) / window * window; start <= last; start += window)
        {
            // grid points of this window that lie within the series' observed span
            var from = Math.Max(start, first);
            var to = Math.Min(start + window - step, last);
            var expected = (to - from) / step + 1;
            long measured = 0;
            var i = ticks.BinarySearch(from);
            for (i = i < 0 ? ~i : i; i < ticks.Length && ticks[i] <= to; i++)
                if (methods[i] == FillMethod.Measured) measured++;
            var share = (double)measured / expected;
            results.Add(new CheckResult
            {
                Check = MeterCheckNames.Completeness,
                Severity = CheckSeverity.Warning,
                Passed = share >= options.MinimumCompleteness,
                Series = name,
                WindowStart = new DateTime(start, DateTimeKind.Utc),
                WindowEnd = new DateTime(start + window, DateTimeKind.Utc),
                Count = measured,
                Message = string.Create(CultureInfo.InvariantCulture, $"{measured} of {expected} grid points measured ({share:P1}; minimum {options.MinimumCompleteness:P0})"),
            });
        }
        return results;
    }

    static CheckResult ValueRange(List<Measurement> rows, MeterSeriesOptions series, string name)
    {
        var outside = rows.Where(m => !(m.Value >= series.Min && m.Value <= series.Max)).ToList();
        return new CheckResult
        {
            Check = MeterCheckNames.ValueRange,
            Severity = CheckSeverity.Error,
            Passed = outside.Count == 0,
            Series = name,
            Count = outside.Count,
            Message = string.Create(CultureInfo.InvariantCulture, $"{outside.Count} of {rows.Count} value(s) outside [{series.Min}, {series.Max}]")
                + Example(outside.Select(m => string.Create(CultureInfo.InvariantCulture, $"offset {m.Offset}: {m.Value}"))),
        };
    }

    static CheckResult Rejections(CleanedSeries grid, string name, string check, CheckSeverity severity, string what, params RejectionKind[] kinds)
    {
        var rejected = grid.Rejected.Where(r => kinds.Contains(r.Kind)).ToList();
        return new CheckResult
        {
            Check = check,
            Severity = severity,
            Passed = rejected.Count == 0,
            Series = name,
            Count = rejected.Count,
            Message = $"{rejected.Count} {what}" + Example(rejected.Select(r => $"offset {r.Observation.Offset} at {new DateTime(r.Observation.Ticks, DateTimeKind.Utc):O}")),
        };
    }

    static CheckResult TimestampOrder(List<Measurement> rows, string name)
    {
        // in log order per partition, a measurement older than one already received arrived out of order
        var late = new List<Measurement>();
        foreach (var partition in rows.GroupBy(m => m.Partition))
        {
            var newest = DateTime.MinValue;
            foreach (var m in partition)
            {
                if (m.TMeasurement < newest) late.Add(m);
                else newest = m.TMeasurement;
            }
        }
        return new CheckResult
        {
            Check = MeterCheckNames.TimestampOrder,
            Severity = CheckSeverity.Warning,
            Passed = late.Count == 0,
            Series = name,
            Count = late.Count,
            Message = $"{late.Count} measurement(s) arrived after a newer one" + Example(late.Select(m => $"offset {m.Offset} at {m.TMeasurement:O}")),
        };
    }

    static CheckResult ReportConsistency(List<Measurement> rows, MeterOptions options, string name)
    {
        var inconsistent = rows.Where(m => (m.TMeasurement - m.TReport - options.ReportLag).Duration() > options.ReportLagTolerance).ToList();
        return new CheckResult
        {
            Check = MeterCheckNames.ReportConsistency,
            Severity = CheckSeverity.Warning,
            Passed = inconsistent.Count == 0,
            Series = name,
            Count = inconsistent.Count,
            Message = string.Create(CultureInfo.InvariantCulture, $"{inconsistent.Count} measurement(s) whose t_measurement − t_report is not {options.ReportLag.TotalSeconds} s ± {options.ReportLagTolerance.TotalSeconds} s")
                + Example(inconsistent.Select(m => string.Create(CultureInfo.InvariantCulture, $"offset {m.Offset}: {(m.TMeasurement - m.TReport).TotalSeconds:0.###} s"))),
        };
    }

    static CheckResult Gaps(CleanedSeries grid, MeterSeriesOptions series, string name) => new()
    {
        Check = MeterCheckNames.GapOverMaximum,
        Severity = CheckSeverity.Warning,
        Passed = grid.UnfilledGaps.Count == 0,
        Series = name,
        Count = grid.UnfilledGaps.Count,
        Message = $"{grid.UnfilledGaps.Count} gap(s) longer than {series.MaxGap.TotalSeconds:0} s left empty"
            + Example(grid.UnfilledGaps.Select(g => $"{g.After:O} to {g.Before:O} ({g.Length.TotalSeconds:0} s)")),
    };

    static string Example(IEnumerable<string> items)
    {
        var first = items.Take(Examples + 1).ToList();
        return first.Count == 0 ? "" : ": " + string.Join(", ", first.Take(Examples)) + (first.Count > Examples ? ", …" : "");
    }
}
