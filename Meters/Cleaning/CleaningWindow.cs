namespace Meters.Cleaning;

/// <summary>
/// Incremental cleaning: when observations of a series change in [from, to], which grid rows can change and which
/// observations decide them. A grid value depends only on observations within the series' maximum gap plus the snap
/// tolerance on either side (the observed points around its gap, and what competes for those points), so with
/// margin M = MaxGap + SnapTolerance + GridInterval the rows in [from − M, to + M] (<see cref="Rows"/>) are exactly
/// those a full re-clean could change, and observations in [from − 2M, to + 2M] (<see cref="Observations"/>) are
/// enough to compute them as a full re-clean would.
/// </summary>
public readonly record struct CleaningWindow(DateTime RowsFrom, DateTime RowsTo, DateTime ObservationsFrom, DateTime ObservationsTo)
{
    public static CleaningWindow Around(DateTime from, DateTime to, MeterSeriesOptions series, MeterOptions options)
    {
        var margin = series.MaxGap + options.SnapTolerance + options.GridInterval;
        var step = options.GridInterval.Ticks;
        var rowsFrom = Floor(from - margin, step);
        var rowsTo = Ceiling(to + margin, step);
        return new CleaningWindow(rowsFrom, rowsTo, rowsFrom - margin, rowsTo + margin);
    }

    static DateTime Floor(DateTime t, long step) => new(DateTime.UnixEpoch.Ticks + (long)Math.Floor((t.Ticks - DateTime.UnixEpoch.Ticks) / (double)step) * step, DateTimeKind.Utc);

    static DateTime Ceiling(DateTime t, long step) => new(DateTime.UnixEpoch.Ticks + (long)Math.Ceiling((t.Ticks - DateTime.UnixEpoch.Ticks) / (double)step) * step, DateTimeKind.Utc);

    /// <summary>Time ranges of one series merged where they overlap, so no row is cleaned twice in a run.</summary>
    public static IEnumerable<(DateTime From, DateTime To)> Merge(IEnumerable<(DateTime From, DateTime To)> ranges)
    {
        (DateTime From, DateTime To)? current = null;
        foreach (var range in ranges.OrderBy(r => r.From))
        {
            if (current is { } c && range.From <= c.To) current = (c.From, range.To > c.To ? range.To : c.To);
            else
            {
                if (current is { } done) yield return done;
                current = range;
            }
        }
        if (current is { } last) yield return last;
    }
}
