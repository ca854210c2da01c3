using System.Globalization;
using Google.Protobuf;
using Telemetry.Otlp.Proto;

namespace Telemetry;

/// <summary>Turns OTLP/HTTP protobuf export requests (traces, logs, metrics) into rows.</summary>
public static class OtlpDecoder
{
    const string UnknownService = "unknown_service";

    public static IReadOnlyList<SpanRecord> DecodeTraces(ReadOnlySpan<byte> body)
    {
        var request = ExportTraceServiceRequest.Parser.ParseFrom(body);
        var spans = new List<SpanRecord>();
        foreach (var resourceSpans in request.ResourceSpans)
        {
            var service = ServiceName(resourceSpans.Resource);
            foreach (var scopeSpans in resourceSpans.ScopeSpans)
            {
                var scope = NullIfEmpty(scopeSpans.Scope?.Name);
                foreach (var span in scopeSpans.Spans)
                {
                    if (span.TraceId.Length != 16 || span.SpanId.Length != 8) continue; // invalid ids: nothing to link
                    spans.Add(new SpanRecord(
                        Hex(span.TraceId), Hex(span.SpanId), span.ParentSpanId.Length == 8 ? Hex(span.ParentSpanId) : null,
                        span.Name, (SpanKind)(int)span.Kind, service, scope,
                        (long)span.StartTimeUnixNano, (long)span.EndTimeUnixNano,
                        (SpanStatus)(int)(span.Status?.Code ?? Status.Types.StatusCode.Unset), NullIfEmpty(span.Status?.Message),
                        Attributes(span.Attributes)));
                }
            }
        }
        return spans;
    }

    public static IReadOnlyList<LogRecordRow> DecodeLogs(ReadOnlySpan<byte> body)
    {
        var request = ExportLogsServiceRequest.Parser.ParseFrom(body);
        var logs = new List<LogRecordRow>();
        foreach (var resourceLogs in request.ResourceLogs)
        {
            var service = ServiceName(resourceLogs.Resource);
            foreach (var scopeLogs in resourceLogs.ScopeLogs)
            {
                var scope = NullIfEmpty(scopeLogs.Scope?.Name);
                foreach (var log in scopeLogs.LogRecords)
                {
                    var time = log.TimeUnixNano != 0 ? log.TimeUnixNano : log.ObservedTimeUnixNano;
                    logs.Add(new LogRecordRow(
                        (long)time, service, scope, log.SeverityNumber, NullIfEmpty(log.SeverityText), log.Body is null ? "" : Text(log.Body),
                        Attributes(log.Attributes), log.TraceId.Length == 16 ? Hex(log.TraceId) : null, log.SpanId.Length == 8 ? Hex(log.SpanId) : null));
                }
            }
        }
        return logs;
    }

    /// <summary>
    /// Gauge, sum and explicit-bucket histogram points. Points without a time, or flagged "no recorded value" (OTLP
    /// DataPointFlags bit 0: a series that went stale), carry nothing to chart and are skipped, as the spec asks.
    /// </summary>
    public static IReadOnlyList<MetricPointRecord> DecodeMetrics(ReadOnlySpan<byte> body)
    {
        var request = ExportMetricsServiceRequest.Parser.ParseFrom(body);
        var points = new List<MetricPointRecord>();
        foreach (var resourceMetrics in request.ResourceMetrics)
        {
            var service = ServiceName(resourceMetrics.Resource);
            foreach (var scopeMetrics in resourceMetrics.ScopeMetrics)
            {
                var scope = NullIfEmpty(scopeMetrics.Scope?.Name);
                foreach (var metric in scopeMetrics.Metrics)
                {
                    MetricPointRecord Point(MetricKind kind, MetricTemporality temporality, bool monotonic, IEnumerable<KeyValue> attributes,
                        ulong startNs, ulong timeNs, double? value, HistogramBuckets? histogram) =>
                        new(service, scope, metric.Name, NullIfEmpty(metric.Description), NullIfEmpty(metric.Unit), kind, temporality, monotonic,
                            Attributes(attributes), (long)startNs, (long)timeNs, value, histogram);

                    switch (metric.DataCase)
                    {
                        case Metric.DataOneofCase.Gauge:
                            foreach (var p in metric.Gauge.DataPoints.Where(HasValue))
                                points.Add(Point(MetricKind.Gauge, MetricTemporality.Unspecified, false, p.Attributes, p.StartTimeUnixNano, p.TimeUnixNano, Number(p), null));
                            break;
                        case Metric.DataOneofCase.Sum:
                            var sum = metric.Sum;
                            foreach (var p in sum.DataPoints.Where(HasValue))
                                points.Add(Point(MetricKind.Sum, (MetricTemporality)(int)sum.AggregationTemporality, sum.IsMonotonic, p.Attributes,
                                    p.StartTimeUnixNano, p.TimeUnixNano, Number(p), null));
                            break;
                        case Metric.DataOneofCase.Histogram:
                            var histogram = metric.Histogram;
                            foreach (var p in histogram.DataPoints.Where(p => p.TimeUnixNano != 0 && (p.Flags & NoRecordedValue) == 0))
                                points.Add(Point(MetricKind.Histogram, (MetricTemporality)(int)histogram.AggregationTemporality, false, p.Attributes,
                                    p.StartTimeUnixNano, p.TimeUnixNano, null, new HistogramBuckets((long)p.Count, p.HasSum ? p.Sum : null,
                                        p.HasMin ? p.Min : null, p.HasMax ? p.Max : null, p.BucketCounts.Select(c => (long)c).ToArray(), p.ExplicitBounds.ToArray())));
                            break;
                    }
                }
            }
        }
        return points;
    }

    const uint NoRecordedValue = 1;

    static bool HasValue(NumberDataPoint p) =>
        p.TimeUnixNano != 0 && (p.Flags & NoRecordedValue) == 0 && p.ValueCase != NumberDataPoint.ValueOneofCase.None;

    static double Number(NumberDataPoint p) => p.ValueCase == NumberDataPoint.ValueOneofCase.AsInt ? p.AsInt : p.AsDouble;

    static string ServiceName(Resource? resource) =>
        resource?.Attributes.FirstOrDefault(a => a.Key == "service.name")?.Value is { } v ? Text(v) : UnknownService;

    static Dictionary<string, string> Attributes(IEnumerable<KeyValue> attributes)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var a in attributes) result[a.Key] = a.Value is null ? "" : Text(a.Value);
        return result;
    }

    /// <summary>An attribute value as text: scalars invariantly, arrays as <c>[a, b]</c>, maps as <c>{k=v}</c>, bytes as hex.</summary>
    public static string Text(AnyValue value) => value.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString("R", CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.ArrayValue => "[" + string.Join(", ", value.ArrayValue.Values.Select(Text)) + "]",
        AnyValue.ValueOneofCase.KvlistValue => "{" + string.Join(", ", value.KvlistValue.Values.Select(kv => $"{kv.Key}={(kv.Value is null ? "" : Text(kv.Value))}")) + "}",
        AnyValue.ValueOneofCase.BytesValue => Hex(value.BytesValue),
        _ => "",
    };

    static string Hex(ByteString bytes) => Convert.ToHexStringLower(bytes.Span);
    static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
