namespace Meters;

/// <summary>How the holes of one series are filled on the grid.</summary>
public enum GapFillStrategy
{
    /// <summary>Straight line between the observations on either side of the gap.</summary>
    Linear,
    /// <summary>The last observation's value repeated.</summary>
    ForwardFill,
    /// <summary>Nothing is filled: the hole stays a hole (and the completeness check shows it).</summary>
    LeaveEmpty,
}

/// <summary>One configured series: its valid value range and how its gaps are filled.</summary>
public sealed record MeterSeriesOptions
{
    public required string DeviceId { get; init; }
    public required string SignalName { get; init; }
    public required double Min { get; init; }
    public required double Max { get; init; }
    public GapFillStrategy GapFill { get; init; } = GapFillStrategy.Linear;

    /// <summary>
    /// The longest time between two observed grid points that is still filled (default 300 s: at most 29 invented
    /// points between them). Longer gaps stay empty and are reported by the gap check.
    /// </summary>
    public TimeSpan MaxGap { get; init; } = TimeSpan.FromSeconds(300);

    public MeterSeriesKey Key => new(DeviceId, SignalName);
}

/// <summary>The meter series the pipeline knows and the rules of cleaning and checking them (configuration section <c>Meters</c>).</summary>
public sealed record MeterOptions
{
    /// <summary>The producer's four default series with the value ranges it draws from.</summary>
    public static readonly IReadOnlyList<MeterSeriesOptions> DefaultSeries =
    [
        new() { DeviceId = "device1", SignalName = "energy export", Min = 50, Max = 70 },
        new() { DeviceId = "device1", SignalName = "energy import", Min = 10, Max = 20 },
        new() { DeviceId = "device2", SignalName = "energy export", Min = 80, Max = 90 },
        new() { DeviceId = "device2", SignalName = "energy import", Min = 0, Max = 10 },
    ];

    public IReadOnlyList<MeterSeriesOptions> Series { get; init; } = DefaultSeries;

    /// <summary>The grid every series is snapped to, aligned to the Unix epoch so all series share grid timestamps.</summary>
    public TimeSpan GridInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How far an observation may lie from a grid point and still be snapped to it. The default is half the
    /// interval, so every observation lands on its nearest grid point: the real producer's clock drifts through the
    /// whole 10 s phase within hours (docs/meters.md), so any smaller tolerance would throw real measurements away.
    /// </summary>
    public TimeSpan SnapTolerance { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The producer stamps <c>t_report</c> this long before <c>t_measurement</c>.</summary>
    public TimeSpan ReportLag { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How far <c>t_measurement − t_report</c> may differ from <see cref="ReportLag"/> (the real capture: under 1 ms).</summary>
    public TimeSpan ReportLagTolerance { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The windows completeness is measured in.</summary>
    public TimeSpan CompletenessWindow { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The share of grid points that must be measured in a window. The producer drops half its messages by design
    /// (0.5 expected; the real capture has 0.62–0.64), so only clearly fewer is flagged.
    /// </summary>
    public double MinimumCompleteness { get; init; } = 0.4;

    public MeterSeriesOptions? Find(MeterSeriesKey key)
    {
        foreach (var series in Series)
            if (series.DeviceId == key.DeviceId && series.SignalName == key.SignalName) return series;
        return null;
    }

    /// <summary>The first problem with these options, or null when they are usable.</summary>
    public string? Validate()
    {
        if (GridInterval <= TimeSpan.Zero) return "GridInterval must be positive";
        if (SnapTolerance < TimeSpan.Zero || SnapTolerance * 2 > GridInterval) return "SnapTolerance must be between 0 and half the GridInterval";
        if (MinimumCompleteness is < 0 or > 1) return "MinimumCompleteness must be between 0 and 1";
        foreach (var s in Series)
        {
            if (string.IsNullOrEmpty(s.DeviceId) || string.IsNullOrEmpty(s.SignalName)) return "every series needs a DeviceId and a SignalName";
            if (!(s.Min <= s.Max)) return $"series {s.Key}: Min must not exceed Max";
            if (s.MaxGap < GridInterval) return $"series {s.Key}: MaxGap must be at least the GridInterval";
        }
        if (Series.GroupBy(s => s.Key).FirstOrDefault(g => g.Count() > 1) is { } twice) return $"series {twice.Key} is configured twice";
        return null;
    }
}
