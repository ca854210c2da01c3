using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Telemetry.Storage;

/// <summary>Stores decoded spans, logs and metric points. A span exported twice (exporter retry) is stored once.</summary>
public sealed class TelemetryWriter(NpgsqlDataSource dataSource)
{
    public async Task WriteSpansAsync(IReadOnlyList<SpanRecord> spans, CancellationToken ct = default)
    {
        if (spans.Count == 0) return;
        await using var command = dataSource.CreateCommand("""
            INSERT INTO telemetry.spans (trace_id, span_id, parent_span_id, name, kind, service_name, scope_name, start_ns, end_ns, start_time,
                                         status_code, status_message, attributes)
            SELECT t.trace_id, t.span_id, t.parent_span_id, t.name, t.kind, t.service_name, t.scope_name, t.start_ns, t.end_ns,
                   to_timestamp(t.start_ns / 1e9), t.status_code, t.status_message, t.attributes::jsonb
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::smallint[], $6::text[], $7::text[], $8::bigint[], $9::bigint[],
                        $10::smallint[], $11::text[], $12::text[])
                 AS t(trace_id, span_id, parent_span_id, name, kind, service_name, scope_name, start_ns, end_ns, status_code, status_message, attributes)
            ON CONFLICT (trace_id, span_id) DO NOTHING
            """);
        Add(command, spans.Select(s => s.TraceId));
        Add(command, spans.Select(s => s.SpanId));
        Add(command, spans.Select(s => s.ParentSpanId));
        Add(command, spans.Select(s => s.Name));
        command.Parameters.Add(new() { Value = spans.Select(s => (short)s.Kind).ToArray() });
        Add(command, spans.Select(s => s.ServiceName));
        Add(command, spans.Select(s => s.ScopeName));
        command.Parameters.Add(new() { Value = spans.Select(s => s.StartNs).ToArray() });
        command.Parameters.Add(new() { Value = spans.Select(s => s.EndNs).ToArray() });
        command.Parameters.Add(new() { Value = spans.Select(s => (short)s.Status).ToArray() });
        Add(command, spans.Select(s => s.StatusMessage));
        Add(command, spans.Select(s => JsonSerializer.Serialize(s.Attributes)));
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task WriteLogsAsync(IReadOnlyList<LogRecordRow> logs, CancellationToken ct = default)
    {
        if (logs.Count == 0) return;
        await using var command = dataSource.CreateCommand("""
            INSERT INTO telemetry.logs (time_ns, time, service_name, scope_name, severity_number, severity_text, body, attributes, trace_id, span_id)
            SELECT t.time_ns, to_timestamp(t.time_ns / 1e9), t.service_name, t.scope_name, t.severity_number, t.severity_text, t.body,
                   t.attributes::jsonb, t.trace_id, t.span_id
            FROM unnest($1::bigint[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
                 AS t(time_ns, service_name, scope_name, severity_number, severity_text, body, attributes, trace_id, span_id)
            """);
        command.Parameters.Add(new() { Value = logs.Select(l => l.TimeNs).ToArray() });
        Add(command, logs.Select(l => l.ServiceName));
        Add(command, logs.Select(l => l.ScopeName));
        command.Parameters.Add(new() { Value = logs.Select(l => l.SeverityNumber).ToArray() });
        Add(command, logs.Select(l => l.SeverityText));
        Add(command, logs.Select(l => l.Body.Replace("\0", "", StringComparison.Ordinal)));
        Add(command, logs.Select(l => JsonSerializer.Serialize(l.Attributes)));
        Add(command, logs.Select(l => l.TraceId));
        Add(command, logs.Select(l => l.SpanId));
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Binary COPY: each histogram row carries its own bucket arrays, which unnest cannot pass row by row.</summary>
    public async Task WriteMetricPointsAsync(IReadOnlyList<MetricPointRecord> points, CancellationToken ct = default)
    {
        if (points.Count == 0) return;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var copy = await connection.BeginBinaryImportAsync("""
            COPY telemetry.metric_points (service_name, scope_name, name, description, unit, kind, temporality, is_monotonic, attributes,
                                          start_ns, time_ns, time, value, count, sum, min, max, bucket_counts, explicit_bounds)
            FROM STDIN (FORMAT BINARY)
            """, ct);
        foreach (var p in points)
        {
            var h = p.Histogram;
            await copy.StartRowAsync(ct);
            await copy.WriteAsync(p.ServiceName, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(p.ScopeName, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(p.Name, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(p.Description, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(p.Unit, NpgsqlDbType.Text, ct);
            await copy.WriteAsync((short)p.Kind, NpgsqlDbType.Smallint, ct);
            await copy.WriteAsync((short)p.Temporality, NpgsqlDbType.Smallint, ct);
            await copy.WriteAsync(p.IsMonotonic, NpgsqlDbType.Boolean, ct);
            await copy.WriteAsync(JsonSerializer.Serialize(p.Attributes), NpgsqlDbType.Jsonb, ct);
            await copy.WriteAsync(p.StartNs, NpgsqlDbType.Bigint, ct);
            await copy.WriteAsync(p.TimeNs, NpgsqlDbType.Bigint, ct);
            await copy.WriteAsync(DateTime.UnixEpoch.AddTicks(p.TimeNs / 100), NpgsqlDbType.TimestampTz, ct);
            await copy.WriteAsync(p.Value, NpgsqlDbType.Double, ct);
            await copy.WriteAsync(h?.Count, NpgsqlDbType.Bigint, ct);
            await copy.WriteAsync(h?.Sum, NpgsqlDbType.Double, ct);
            await copy.WriteAsync(h?.Min, NpgsqlDbType.Double, ct);
            await copy.WriteAsync(h?.Max, NpgsqlDbType.Double, ct);
            await copy.WriteAsync(h?.BucketCounts.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Bigint, ct);
            await copy.WriteAsync(h?.ExplicitBounds.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Double, ct);
        }
        await copy.CompleteAsync(ct);
    }

    static void Add(NpgsqlCommand command, IEnumerable<string?> values) =>
        command.Parameters.Add(new NpgsqlParameter { Value = values.Select(v => (object?)v ?? DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
}
