namespace Telemetry;

/// <summary>One span as stored: ids in lowercase hex, times in unix nanoseconds, attributes flattened to strings.</summary>
public sealed record SpanRecord(
    string TraceId, string SpanId, string? ParentSpanId, string Name, SpanKind Kind, string ServiceName, string? ScopeName,
    long StartNs, long EndNs, SpanStatus Status, string? StatusMessage, IReadOnlyDictionary<string, string> Attributes)
{
    public double DurationMs => (EndNs - StartNs) / 1e6;
}

/// <summary>One log record as stored.</summary>
public sealed record LogRecordRow(
    long TimeNs, string ServiceName, string? ScopeName, int SeverityNumber, string? SeverityText, string Body,
    IReadOnlyDictionary<string, string> Attributes, string? TraceId, string? SpanId)
{
    public DateTime Time => DateTime.UnixEpoch.AddTicks(TimeNs / 100);
}

/// <summary>OTLP's span kinds, same numbers.</summary>
public enum SpanKind { Unspecified = 0, Internal = 1, Server = 2, Client = 3, Producer = 4, Consumer = 5 }

/// <summary>OTLP's status codes, same numbers.</summary>
public enum SpanStatus { Unset = 0, Ok = 1, Error = 2 }

/// <summary>
/// One metric data point as stored: a gauge or sum has <see cref="Value"/> (OTLP's as_int is kept as a double, exact up
/// to 2^53), a histogram has <see cref="Histogram"/>. Times in unix nanoseconds; <see cref="StartNs"/> is 0 when unknown.
/// </summary>
public sealed record MetricPointRecord(
    string ServiceName, string? ScopeName, string Name, string? Description, string? Unit, MetricKind Kind, MetricTemporality Temporality,
    bool IsMonotonic, IReadOnlyDictionary<string, string> Attributes, long StartNs, long TimeNs, double? Value, HistogramBuckets? Histogram);

/// <summary>
/// An explicit-bucket histogram point: <see cref="BucketCounts"/> has one more entry than <see cref="ExplicitBounds"/>;
/// bucket i holds values in (bound[i-1], bound[i]], the first from −∞, the last to +∞. Sum, min and max are optional in OTLP.
/// </summary>
public sealed record HistogramBuckets(long Count, double? Sum, double? Min, double? Max, IReadOnlyList<long> BucketCounts, IReadOnlyList<double> ExplicitBounds);

/// <summary>The OTLP data kinds we store (exponential histograms and summaries are not decoded).</summary>
public enum MetricKind { Gauge = 1, Sum = 2, Histogram = 3 }

/// <summary>OTLP's aggregation temporality, same numbers; gauges have none (Unspecified).</summary>
public enum MetricTemporality { Unspecified = 0, Delta = 1, Cumulative = 2 }
