using Meters.Cleaning;

namespace Meters.Tests;

/// <summary>Gap filling on hand-made series (times in seconds after 2024-05-23 00:00 UTC, a grid point).</summary>
public sealed class SeriesCleanerTests
{
    static readonly MeterSeriesKey Key = new("d", "s");
    static readonly DateTime Start = new(2024, 5, 23, 0, 0, 0, DateTimeKind.Utc);
    static readonly MeterOptions Grid = new();

    static MeterSeriesOptions Series(GapFillStrategy strategy = GapFillStrategy.Linear, int maxGapSeconds = 300) =>
        new() { DeviceId = "d", SignalName = "s", Min = 0, Max = 1000, GapFill = strategy, MaxGap = TimeSpan.FromSeconds(maxGapSeconds) };

    static Observation At(double seconds, double value, long offset) => new(Start.AddTicks((long)(seconds * TimeSpan.TicksPerSecond)).Ticks, value, offset);

    static (double Seconds, double Value, FillMethod Method)[] Rows(CleanedSeries s) =>
        Enumerable.Range(0, s.Count).Select(i => ((s.Timestamp(i) - Start).TotalSeconds, Math.Round(s.Values[i], 9), s.Methods[i])).ToArray();

    [Fact]
    public void One_gap_is_filled_linearly_and_each_filled_row_says_so()
    {
        var cleaned = SeriesCleaner.Clean(Key, [At(0, 0, 1), At(40, 40, 2)], Series(), Grid);

        Assert.Equal([(0, 0, FillMethod.Measured), (10, 10, FillMethod.Linear), (20, 20, FillMethod.Linear), (30, 30, FillMethod.Linear), (40, 40, FillMethod.Measured)], Rows(cleaned));
        Assert.Equal([1L, -1, -1, -1, 2], cleaned.Offsets.ToArray());
    }

    [Fact]
    public void Forward_fill_repeats_the_last_value_and_leave_empty_invents_nothing()
    {
        var forward = SeriesCleaner.Clean(Key, [At(0, 10, 1), At(30, 40, 2)], Series(GapFillStrategy.ForwardFill), Grid);
        var empty = SeriesCleaner.Clean(Key, [At(0, 10, 1), At(30, 40, 2)], Series(GapFillStrategy.LeaveEmpty), Grid);

        Assert.Equal([(0, 10, FillMethod.Measured), (10, 10, FillMethod.ForwardFill), (20, 10, FillMethod.ForwardFill), (30, 40, FillMethod.Measured)], Rows(forward));
        Assert.Equal([(0, 10, FillMethod.Measured), (30, 40, FillMethod.Measured)], Rows(empty));
    }

    [Fact]
    public void A_gap_over_the_maximum_stays_empty_and_is_reported_while_one_at_the_maximum_is_filled()
    {
        var cleaned = SeriesCleaner.Clean(Key, [At(0, 1, 1), At(300, 2, 2), At(610, 3, 3)], Series(), Grid);

        Assert.Equal(31 + 1, cleaned.Count); // 0..300 filled (29 invented points), 310 s to 610 s left empty
        Assert.Equal(29, cleaned.Count - cleaned.MeasuredCount);
        var gap = Assert.Single(cleaned.UnfilledGaps);
        Assert.Equal((Start.AddSeconds(300), Start.AddSeconds(610)), (gap.After, gap.Before));
    }

    [Fact]
    public void Jittered_timestamps_snap_to_their_nearest_grid_point()
    {
        var cleaned = SeriesCleaner.Clean(Key, [At(4.9, 1, 1), At(10.2, 2, 2), At(25.01, 3, 3), At(38.7, 4, 4)], Series(), Grid);

        Assert.Equal([(0, 1, FillMethod.Measured), (10, 2, FillMethod.Measured), (20, 2.5, FillMethod.Linear), (30, 3, FillMethod.Measured), (40, 4, FillMethod.Measured)], Rows(cleaned));
    }

    [Fact]
    public void Duplicates_give_one_row_per_grid_point_and_are_reported_by_kind()
    {
        var cleaned = SeriesCleaner.Clean(Key, [At(10, 5, 7), At(0, 1, 1), At(0, 1, 2), At(0, 9, 3), At(11, 6, 4), At(21, 7, 5), At(18, 8, 6)], Series(), Grid);

        Assert.Equal([(0, 1, FillMethod.Measured), (10, 5, FillMethod.Measured), (20, 7, FillMethod.Measured)], Rows(cleaned));
        Assert.Equal([1L, 7, 5], cleaned.Offsets.ToArray());
        Assert.Equal(
            [(2L, RejectionKind.Duplicate), (3L, RejectionKind.ConflictingDuplicate), (4L, RejectionKind.SnapCollision), (6L, RejectionKind.SnapCollision)],
            cleaned.Rejected.Select(r => (r.Observation.Offset, r.Kind)).OrderBy(r => r.Item1));
    }

    [Fact]
    public void A_late_observation_replaces_the_filled_value_on_the_next_run()
    {
        Observation[] first = [At(0, 10, 1), At(30, 40, 2)];
        var before = SeriesCleaner.Clean(Key, [.. first], Series(), Grid);
        var after = SeriesCleaner.Clean(Key, [.. first, At(19.6, 99, 3)], Series(), Grid);

        Assert.Contains((20, 30, FillMethod.Linear), Rows(before));
        Assert.Equal([(0, 10, FillMethod.Measured), (10, 54.5, FillMethod.Linear), (20, 99, FillMethod.Measured), (30, 40, FillMethod.Measured)], Rows(after));
        Assert.Equal(3, after.Offsets[2]);
    }

    [Fact]
    public void Nothing_is_produced_before_the_first_or_after_the_last_observation()
    {
        var cleaned = SeriesCleaner.Clean(Key, [At(50, 1, 1)], Series(), Grid);

        Assert.Equal([(50, 1, FillMethod.Measured)], Rows(cleaned));
        Assert.Equal(0, SeriesCleaner.Clean(Key, [], Series(), Grid).Count);
    }
}
