using Meters.Capture;

namespace Meters.Processing;

/// <summary>
/// Process: raw records → flat measurements with their source offsets. Records that do not parse go to quarantine with
/// the reason and the record as received. Measurements of series that are not configured (the real capture's test
/// rows from <c>device123</c>/<c>signalX</c>) parse fine but are kept apart as unknown series: they are reported by the
/// unknown-series check and never cleaned, so test traffic cannot leak into the cleaned data.
/// </summary>
public static class MeterProcessing
{
    public static ProcessedBatch Process(IEnumerable<RawRecord> records, MeterOptions options)
    {
        using var span = MeterTelemetry.Source.StartActivity("meters.process");
        var known = new List<Measurement>();
        var unknown = new List<Measurement>();
        var quarantined = new List<QuarantinedMeter>();
        foreach (var record in records)
        {
            if (record.Value is null)
            {
                quarantined.Add(new QuarantinedMeter("the record has no value (a tombstone)", record));
                continue;
            }
            if (!MeterParser.TryParse(record.Value, out var meter, out var reason))
            {
                quarantined.Add(new QuarantinedMeter(reason, record));
                continue;
            }
            var measurement = new Measurement(meter.TMeasurement, meter.TReport, meter.DeviceId, meter.SignalName, meter.Value, record.Topic, record.Partition, record.Offset);
            (options.Find(measurement.Series) is null ? unknown : known).Add(measurement);
        }
        MeterTelemetry.Processed.Add(known.Count + unknown.Count);
        MeterTelemetry.Quarantined.Add(quarantined.Count);
        span?.SetTag("meters.known", known.Count);
        span?.SetTag("meters.unknown", unknown.Count);
        span?.SetTag("meters.quarantined", quarantined.Count);
        return new ProcessedBatch(known, unknown, quarantined);
    }
}
