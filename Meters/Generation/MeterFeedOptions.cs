namespace Meters.Generation;

/// <summary>What the meter producer sends (configuration section <c>Meters:Feed</c>; the CLI's <c>meters produce</c> options).</summary>
public sealed record MeterFeedOptions
{
    public const string DefaultTopic = "energy.meters.v1";

    public string Topic { get; init; } = DefaultTopic;

    /// <summary>The series sent, each with the range its values are drawn from (default: the four of the real capture).</summary>
    public IReadOnlyList<MeterSeriesOptions> Series { get; init; } = MeterOptions.DefaultSeries;

    /// <summary>Only these devices' series, when set.</summary>
    public IReadOnlyList<string>? Devices { get; init; }

    /// <summary>One measurement per series is due every interval (of simulated time).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The chance that a due measurement is sent; the rest are dropped, as the real producer drops half.</summary>
    public double SendProbability { get; init; } = 0.5;

    /// <summary>t_measurement is moved by up to ± this much from the interval's tick (the real timestamps drift).</summary>
    public TimeSpan Jitter { get; init; } = TimeSpan.Zero;

    /// <summary>Hours of history sent at once at start, so a fresh system has something to show.</summary>
    public double BackfillHours { get; init; }

    /// <summary>Simulated seconds per real second: 60 sends a minute of measurements every second.</summary>
    public double Speed { get; init; } = 1;

    /// <summary>
    /// The seed of every random choice. A measurement's drop, jitter and value depend only on the seed, the series
    /// and its tick, so a restarted producer repeats the same messages (duplicates downstream, never conflicts).
    /// </summary>
    public int Seed { get; init; } = 20240523;

    /// <summary>t_report is this long before t_measurement (as in the real capture).</summary>
    public TimeSpan ReportLag { get; init; } = TimeSpan.FromSeconds(10);

    public IReadOnlyList<MeterSeriesOptions> SelectedSeries =>
        Devices is { Count: > 0 } devices ? Series.Where(s => devices.Contains(s.DeviceId)).ToList() : Series;

    /// <summary>The first problem with these options, or null when they are usable.</summary>
    public string? Validate()
    {
        if (string.IsNullOrWhiteSpace(Topic)) return "Topic must not be empty";
        if (Interval <= TimeSpan.Zero) return "Interval must be positive";
        if (SendProbability is < 0 or > 1 || double.IsNaN(SendProbability)) return "SendProbability must be between 0 and 1";
        if (Jitter < TimeSpan.Zero || Jitter * 2 >= Interval) return "Jitter must be between 0 and half the Interval";
        if (!(BackfillHours >= 0)) return "BackfillHours must not be negative";
        if (!(Speed > 0) || double.IsInfinity(Speed)) return "Speed must be a positive number";
        if (SelectedSeries.Count == 0) return Devices is null ? "no series configured" : $"no configured series of device(s) {string.Join(", ", Devices)}";
        if (SelectedSeries.FirstOrDefault(s => !(s.Min <= s.Max)) is { } bad) return $"series {bad.Key}: Min must not exceed Max";
        return null;
    }
}
