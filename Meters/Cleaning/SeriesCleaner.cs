namespace Meters.Cleaning;

/// <summary>
/// Clean: one series onto the grid. Observations are ordered by measurement time (then offset); each is snapped to
/// its nearest grid point if it lies within the snap tolerance. One observation per grid point is used: a repeat of
/// the same measurement time is a duplicate (the lowest offset wins), and of two different times on one point the
/// nearer wins (a snap collision). Between consecutive used points the series' strategy fills the missing grid points
/// when their distance is at most the maximum gap; longer gaps stay empty. Nothing is produced before the first or
/// after the last observation. Cleaning is a pure function of the observations, so an observation that arrives late
/// replaces the value filled in its place the next time the series is cleaned.
/// </summary>
public static class SeriesCleaner
{
    /// <remarks><paramref name="observations"/> is used as scratch space: sorted and overwritten.</remarks>
    public static CleanedSeries Clean(MeterSeriesKey series, Observation[] observations, MeterSeriesOptions options, MeterOptions grid)
    {
        var step = grid.GridInterval.Ticks;
        var tolerance = grid.SnapTolerance.Ticks;
        var maxGapSteps = options.MaxGap.Ticks / step;
        var epoch = DateTime.UnixEpoch.Ticks;

        Array.Sort(observations, static (a, b) => a.Ticks != b.Ticks ? a.Ticks.CompareTo(b.Ticks) : a.Offset.CompareTo(b.Offset));
        var span = observations.Length == 0 ? 0 : (observations[^1].Ticks - observations[0].Ticks) / step + 2;
        var cleaned = new CleanedSeries(series, (int)Math.Min(span, 1 << 26));

        // Pass 1: one observation per grid point, compacted in place; points[i] is the grid point of observations[i].
        var points = new long[observations.Length];
        var used = 0;
        foreach (var observation in observations)
        {
            var relative = observation.Ticks - epoch;
            var point = (long)Math.Round((double)relative / step, MidpointRounding.AwayFromZero);
            var distance = Math.Abs(relative - point * step);
            if (distance > tolerance)
            {
                cleaned.Rejected.Add(new(observation, RejectionKind.OffGrid));
                continue;
            }
            if (used > 0 && points[used - 1] == point)
            {
                var kept = observations[used - 1];
                if (observation.Ticks == kept.Ticks)
                {
                    cleaned.Rejected.Add(new(observation, observation.Value.Equals(kept.Value) ? RejectionKind.Duplicate : RejectionKind.ConflictingDuplicate));
                    continue;
                }
                // sorted by time, so the kept one is earlier: the newcomer wins only when it is strictly nearer
                if (distance >= Math.Abs(kept.Ticks - epoch - point * step))
                {
                    cleaned.Rejected.Add(new(observation, RejectionKind.SnapCollision));
                    continue;
                }
                cleaned.Rejected.Add(new(kept, RejectionKind.SnapCollision));
                used--;
            }
            observations[used] = observation;
            points[used++] = point;
        }

        // Pass 2: the used observations on the grid, with the holes between them filled.
        for (var i = 0; i < used; i++)
        {
            if (i > 0) Fill(cleaned, points[i - 1], observations[i - 1].Value, points[i], observations[i].Value, step, epoch, options.GapFill, maxGapSteps);
            cleaned.Add(epoch + points[i] * step, observations[i].Value, FillMethod.Measured, observations[i].Offset);
        }
        MeterTelemetry.Filled.Add(cleaned.Count - cleaned.MeasuredCount);
        return cleaned;
    }

    static void Fill(CleanedSeries cleaned, long from, double fromValue, long to, double toValue, long step, long epoch, GapFillStrategy strategy, long maxGapSteps)
    {
        var steps = to - from;
        if (steps == 1) return;
        if (steps > maxGapSteps)
        {
            cleaned.UnfilledGaps.Add(new UnfilledGap(new DateTime(epoch + from * step, DateTimeKind.Utc), new DateTime(epoch + to * step, DateTimeKind.Utc)));
            return;
        }
        switch (strategy)
        {
            case GapFillStrategy.Linear:
                var slope = (toValue - fromValue) / steps;
                for (var k = 1; k < steps; k++) cleaned.Add(epoch + (from + k) * step, fromValue + slope * k, FillMethod.Linear, -1);
                break;
            case GapFillStrategy.ForwardFill:
                for (var k = 1; k < steps; k++) cleaned.Add(epoch + (from + k) * step, fromValue, FillMethod.ForwardFill, -1);
                break;
            case GapFillStrategy.LeaveEmpty:
                break;
        }
    }
}
