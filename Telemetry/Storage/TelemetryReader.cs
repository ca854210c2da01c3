using System.Text.Json;
using Npgsql;

namespace Telemetry.Storage;

/// <summary>A trace in a list: its root span, the services it crosses, its duration and size.</summary>
public sealed record TraceSummary(string TraceId, string RootName, string RootService, DateTime StartedAt, double DurationMs,
    int SpanCount, int ErrorCount, IReadOnlyList<string> Services);

/// <summary>One row of the waterfall: depth in the tree, and the bar's offset and width in % of the trace's duration.</summary>
public sealed record WaterfallSpan(SpanRecord Span, int Depth, double OffsetPercent, double WidthPercent, double OffsetMs, IReadOnlyList<string> ChildIds);

/// <summary>A trace as a tree: spans in depth-first order (children by start time), roots first.</summary>
public sealed record TraceDetail(string TraceId, DateTime StartedAt, double DurationMs, IReadOnlyList<string> Services, IReadOnlyList<WaterfallSpan> Spans);

/// <summary>One log line for the search view.</summary>
public sealed record LogEntry(long Id, DateTime Time, string ServiceName, string? ScopeName, int SeverityNumber, string? SeverityText, string Body,
    IReadOnlyDictionary<string, string> Attributes, string? TraceId, string? SpanId);

/// <summary>Reads the <c>telemetry</c> schema. Without it (no local receiver ever ran) every list is empty.</summary>
public sealed partial class TelemetryReader(NpgsqlDataSource dataSource)
{
    const string UndefinedTable = "42P01";

    public async Task<IReadOnlyList<TraceSummary>> RecentTracesAsync(string? service, int limit, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("""
            WITH recent AS (
                SELECT trace_id, min(start_ns) AS start_ns, max(end_ns) AS end_ns, count(*)::int AS spans,
                       count(*) FILTER (WHERE status_code = 2)::int AS errors, array_agg(DISTINCT service_name ORDER BY service_name) AS services
                FROM telemetry.spans
                WHERE trace_id IN (SELECT trace_id FROM telemetry.spans WHERE $1::text IS NULL OR service_name = $1
                                   ORDER BY start_time DESC LIMIT $2 * 50)
                GROUP BY trace_id)
            SELECT r.trace_id, root.name, root.service_name, r.start_ns, r.end_ns, r.spans, r.errors, r.services
            FROM recent r
            CROSS JOIN LATERAL (SELECT s.name, s.service_name FROM telemetry.spans s WHERE s.trace_id = r.trace_id
                                ORDER BY (s.parent_span_id IS NULL
                                          OR NOT EXISTS (SELECT 1 FROM telemetry.spans p WHERE p.trace_id = s.trace_id AND p.span_id = s.parent_span_id)) DESC,
                                         s.start_ns LIMIT 1) root
            ORDER BY r.start_ns DESC
            LIMIT $2
            """);
        command.Parameters.Add(new() { Value = (object?)service ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = limit });
        return await ReadAllAsync(command, r =>
        {
            long start = r.GetInt64(3), end = r.GetInt64(4);
            return new TraceSummary(r.GetString(0), r.GetString(1), r.GetString(2), FromNs(start), (end - start) / 1e6,
                r.GetInt32(5), r.GetInt32(6), r.GetFieldValue<string[]>(7));
        }, ct);
    }

    public Task<IReadOnlyList<string>> ServicesAsync(CancellationToken ct = default) => DistinctServicesAsync("spans", ct);

    public async Task<TraceDetail?> TraceAsync(string traceId, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT trace_id, span_id, parent_span_id, name, kind, service_name, scope_name, start_ns, end_ns, status_code, status_message, attributes::text
            FROM telemetry.spans WHERE trace_id = $1 ORDER BY start_ns, span_id
            """);
        command.Parameters.Add(new() { Value = traceId.ToLowerInvariant() });
        var spans = await ReadAllAsync(command, r => new SpanRecord(r.GetString(0), r.GetString(1), NullableString(r, 2), r.GetString(3),
            (SpanKind)r.GetInt16(4), r.GetString(5), NullableString(r, 6), r.GetInt64(7), r.GetInt64(8),
            (SpanStatus)r.GetInt16(9), NullableString(r, 10), Attributes(r, 11)), ct);
        return spans.Count == 0 ? null : Waterfall.Build(traceId.ToLowerInvariant(), spans);
    }

    public async Task<IReadOnlyList<LogEntry>> LogsAsync(string? text, string? service, int? minSeverity, string? traceId, int limit, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT id, time, service_name, scope_name, severity_number, severity_text, body, attributes::text, trace_id, span_id
            FROM telemetry.logs
            WHERE ($1::text IS NULL OR body ILIKE '%' || replace(replace(replace($1, '\', '\\'), '%', '\%'), '_', '\_') || '%')
              AND ($2::text IS NULL OR service_name = $2)
              AND ($3::int IS NULL OR severity_number >= $3)
              AND ($4::text IS NULL OR trace_id = $4)
            ORDER BY time DESC, id DESC
            LIMIT $5
            """);
        command.Parameters.Add(new() { Value = (object?)text ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)service ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)minSeverity ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
        command.Parameters.Add(new() { Value = (object?)traceId?.ToLowerInvariant() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = limit });
        return await ReadAllAsync(command, r => new LogEntry(r.GetInt64(0), r.GetDateTime(1), r.GetString(2), NullableString(r, 3),
            r.GetInt32(4), NullableString(r, 5), r.GetString(6), Attributes(r, 7), NullableString(r, 8), NullableString(r, 9)), ct);
    }

    /// <summary>The services that stored rows in <paramref name="table"/> (a constant of ours, never user input).</summary>
    async Task<IReadOnlyList<string>> DistinctServicesAsync(string table, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"SELECT DISTINCT service_name FROM telemetry.{table} ORDER BY 1");
        return await ReadAllAsync(command, r => r.GetString(0), ct);
    }

    /// <summary>Every row of <paramref name="command"/>; none when the schema does not exist (no receiver ever ran).</summary>
    static async Task<IReadOnlyList<T>> ReadAllAsync<T>(NpgsqlCommand command, Func<NpgsqlDataReader, T> read, CancellationToken ct)
    {
        var result = new List<T>();
        try
        {
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) result.Add(read(reader));
        }
        catch (PostgresException e) when (e.SqlState == UndefinedTable) { }
        return result;
    }

    static string? NullableString(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    static Dictionary<string, string> Attributes(NpgsqlDataReader r, int i) => JsonSerializer.Deserialize<Dictionary<string, string>>(r.GetString(i)) ?? [];

    static DateTime FromNs(long ns) => DateTime.UnixEpoch.AddTicks(ns / 100);
}

/// <summary>Builds the waterfall: a span whose parent is not in the trace (not exported, or from outside) is a root.</summary>
public static class Waterfall
{
    public static TraceDetail Build(string traceId, IReadOnlyList<SpanRecord> spans)
    {
        var ids = spans.Select(s => s.SpanId).ToHashSet();
        var children = spans.Where(s => s.ParentSpanId is { } p && ids.Contains(p)).GroupBy(s => s.ParentSpanId!)
            .ToDictionary(g => g.Key, g => g.OrderBy(s => s.StartNs).ThenBy(s => s.SpanId, StringComparer.Ordinal).ToList());
        var roots = spans.Where(s => s.ParentSpanId is null || !ids.Contains(s.ParentSpanId)).OrderBy(s => s.StartNs).ThenBy(s => s.SpanId, StringComparer.Ordinal);
        long start = spans.Min(s => s.StartNs), end = spans.Max(s => s.EndNs);
        double total = Math.Max(1, end - start);
        var rows = new List<WaterfallSpan>(spans.Count);
        var visited = new HashSet<string>();
        foreach (var root in roots) Visit(root, 0);
        return new TraceDetail(traceId, DateTime.UnixEpoch.AddTicks(start / 100), (end - start) / 1e6,
            spans.Select(s => s.ServiceName).Distinct().Order(StringComparer.Ordinal).ToList(), rows);

        void Visit(SpanRecord span, int depth)
        {
            if (!visited.Add(span.SpanId)) return; // a cycle in bad data must not loop
            var kids = children.GetValueOrDefault(span.SpanId) ?? [];
            rows.Add(new WaterfallSpan(span, depth, (span.StartNs - start) * 100 / total, Math.Max(0, span.EndNs - span.StartNs) * 100 / total,
                (span.StartNs - start) / 1e6, kids.Select(k => k.SpanId).ToList()));
            foreach (var child in kids) Visit(child, depth + 1);
        }
    }
}
