using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Meters;

/// <summary>Spans and counters of the meter steps; ServiceDefaults subscribes to every <c>Pipeline.*</c> source.</summary>
static class MeterTelemetry
{
    public const string Name = "Pipeline.Meters";
    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);
    public static readonly Counter<long> Processed = Meter.CreateCounter<long>("pipeline.meters.processed", "{record}", "raw records parsed into measurements");
    public static readonly Counter<long> Quarantined = Meter.CreateCounter<long>("pipeline.meters.quarantined", "{record}", "raw records that did not parse");
    public static readonly Counter<long> Filled = Meter.CreateCounter<long>("pipeline.meters.filled", "{point}", "grid points filled by a gap-fill strategy");
    public static readonly Counter<long> RawStored = Meter.CreateCounter<long>("pipeline.meters.raw_stored", "{record}", "raw records new to the raw table");
}
