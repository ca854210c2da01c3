namespace Meters.Cleaning;

/// <summary>Where a cleaned value comes from.</summary>
public enum FillMethod : byte
{
    Measured,
    Linear,
    ForwardFill,
}

/// <summary>One observation of a series: when it was measured, its value and the raw record's offset.</summary>
public readonly record struct Observation(long Ticks, double Value, long Offset);

/// <summary>Why an observation was not used on the grid.</summary>
public enum RejectionKind
{
    /// <summary>Same measurement time and value as an observation already used (a re-delivery).</summary>
    Duplicate,
    /// <summary>Same measurement time, another value: the first received (lowest offset) is kept.</summary>
    ConflictingDuplicate,
    /// <summary>Another observation is nearer to the same grid point.</summary>
    SnapCollision,
    /// <summary>Farther than the snap tolerance from every grid point.</summary>
    OffGrid,
}

public readonly record struct RejectedObservation(Observation Observation, RejectionKind Kind);

/// <summary>Two observed grid points farther apart than the series' maximum gap: nothing is invented between them.</summary>
public readonly record struct UnfilledGap(DateTime After, DateTime Before)
{
    public TimeSpan Length => Before - After;
}

/// <summary>
/// One series on the grid, as columns: every grid timestamp once, ascending, from the first to the last observed
/// grid point; measured points carry their source offset, filled points their method and no offset.
/// </summary>
public sealed class CleanedSeries(MeterSeriesKey series, int capacity)
{
    long[] _ticks = new long[capacity];
    double[] _values = new double[capacity];
    FillMethod[] _methods = new FillMethod[capacity];
    long[] _offsets = new long[capacity];

    public MeterSeriesKey Series => series;
    public int Count { get; private set; }
    public ReadOnlySpan<long> Ticks => _ticks.AsSpan(0, Count);
    public ReadOnlySpan<double> Values => _values.AsSpan(0, Count);
    public ReadOnlySpan<FillMethod> Methods => _methods.AsSpan(0, Count);

    /// <summary>The raw record's offset of a measured point; meaningless (−1) for a filled one.</summary>
    public ReadOnlySpan<long> Offsets => _offsets.AsSpan(0, Count);

    public List<RejectedObservation> Rejected { get; } = [];
    public List<UnfilledGap> UnfilledGaps { get; } = [];

    public DateTime Timestamp(int i) => new(_ticks[i], DateTimeKind.Utc);

    public int MeasuredCount { get; private set; }

    internal void Add(long ticks, double value, FillMethod method, long offset)
    {
        if (Count == _ticks.Length) Grow();
        _ticks[Count] = ticks;
        _values[Count] = value;
        _methods[Count] = method;
        _offsets[Count] = offset;
        Count++;
        if (method == FillMethod.Measured) MeasuredCount++;
    }

    void Grow()
    {
        var size = Math.Max(16, _ticks.Length * 2);
        Array.Resize(ref _ticks, size);
        Array.Resize(ref _values, size);
        Array.Resize(ref _methods, size);
        Array.Resize(ref _offsets, size);
    }
}
