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
