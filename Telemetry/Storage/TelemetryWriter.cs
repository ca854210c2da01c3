using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Telemetry.Storage;

/// <summary>Stores decoded spans and logs. A span exported twice (exporter retry) is stored once.</summary>
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

    static void Add(NpgsqlCommand command, IEnumerable<string?> values) =>
        command.Parameters.Add(new NpgsqlParameter { Value = values.Select(v => (object?)v ?? DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
}
