using Meters.Capture;

namespace Meters.Processing;

/// <summary>One parsed meter message as a flat row, with the raw record it came from.</summary>
public sealed record Measurement(
    DateTime TMeasurement,
    DateTime TReport,
    string DeviceId,
    string SignalName,
    double Value,
    string Topic,
    int Partition,
    long Offset)
{
    public MeterSeriesKey Series => new(DeviceId, SignalName);
}

/// <summary>A raw record whose value is not a meter message: why, and the record as received.</summary>
public sealed record QuarantinedMeter(string Reason, RawRecord Record);

/// <summary>
/// The outcome of processing a batch of raw records: measurements of configured series, measurements of series
/// nobody configured (kept apart, never cleaned), and records that did not parse.
/// </summary>
public sealed record ProcessedBatch(
    IReadOnlyList<Measurement> Known,
    IReadOnlyList<Measurement> Unknown,
    IReadOnlyList<QuarantinedMeter> Quarantined)
{
    public int Records => Known.Count + Unknown.Count + Quarantined.Count;
}
