using Meters.Capture;
using Meters.Cleaning;
using Meters.Processing;
using Npgsql;
using NpgsqlTypes;

namespace Meters.Storage;

/// <summary>
/// The meter workflow's tables (created by Workers' migration 011): raw records not yet processed, the flat
/// measurements and the quarantine they become, and the cleaned grid. Every write runs in the caller's transaction and
/// replaces rather than appends, so a retried step leaves the same rows.
/// </summary>
public static class MeasurementStore
{
    // Records in neither table have not been processed: the anti-join makes processing incremental and restartable.
    const string ReadUnprocessed = """
        SELECT r.topic, r.partition, r."offset", r.key, r.value, r."timestamp", r.timestamp_type FROM meters.raw_records r
        WHERE NOT EXISTS (SELECT 1 FROM meters.measurements m WHERE (m.topic, m.partition, m."offset") = (r.topic, r.partition, r."offset"))
          AND NOT EXISTS (SELECT 1 FROM meters.quarantine q WHERE (q.topic, q.partition, q."offset") = (r.topic, r.partition, r."offset"))
        ORDER BY r.topic, r.partition, r."offset"
        LIMIT $1
        """;

    public static async Task<IReadOnlyList<RawRecord>> ReadUnprocessedAsync(NpgsqlConnection connection, NpgsqlTransaction tx, int limit, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(ReadUnprocessed, connection, tx);
        command.Parameters.Add(new() { Value = limit });
        return await RawRecordStore.ReadRecordsAsync(command, ct);
    }

    const string CopyMeasurements = """
        COPY measurement_staging (topic, partition, "offset", t_measurement, t_report, device_id, signal_name, value, known, run_id) FROM STDIN (FORMAT BINARY)
        """;

    /// <summary>Stores a processed batch: measurements (configured series and unknown) and quarantined records, each once per position.</summary>
    public static async Task StoreProcessedAsync(NpgsqlConnection connection, NpgsqlTransaction tx, ProcessedBatch batch, string runId, CancellationToken ct)
    {
        await ExecuteAsync(connection, tx, "CREATE TEMP TABLE IF NOT EXISTS measurement_staging (LIKE meters.measurements) ON COMMIT DELETE ROWS", ct);
        await using (var writer = await connection.BeginBinaryImportAsync(CopyMeasurements, ct))
        {
            foreach (var (rows, known) in new[] { (batch.Known, true), (batch.Unknown, false) })
                foreach (var m in rows)
                {
                    writer.StartRow();
                    writer.Write(m.Topic, NpgsqlDbType.Text);
                    writer.Write(m.Partition, NpgsqlDbType.Integer);
                    writer.Write(m.Offset, NpgsqlDbType.Bigint);
                    writer.Write(m.TMeasurement, NpgsqlDbType.TimestampTz);
                    writer.Write(m.TReport, NpgsqlDbType.TimestampTz);
                    writer.Write(m.DeviceId, NpgsqlDbType.Text);
                    writer.Write(m.SignalName, NpgsqlDbType.Text);
                    writer.Write(m.Value, NpgsqlDbType.Double);
                    writer.Write(known, NpgsqlDbType.Boolean);
                    writer.Write(runId, NpgsqlDbType.Text);
                }
            await writer.CompleteAsync(ct);
        }
        await ExecuteAsync(connection, tx, "INSERT INTO meters.measurements SELECT * FROM measurement_staging ON CONFLICT DO NOTHING", ct);

        foreach (var q in batch.Quarantined)
        {
            await using var insert = new NpgsqlCommand("""
                INSERT INTO meters.quarantine (topic, partition, "offset", reason, key, value, run_id) VALUES ($1, $2, $3, $4, $5, $6, $7)
                ON CONFLICT DO NOTHING
                """, connection, tx);
            insert.Parameters.Add(new() { Value = q.Record.Topic });
            insert.Parameters.Add(new() { Value = q.Record.Partition });
            insert.Parameters.Add(new() { Value = q.Record.Offset });
            insert.Parameters.Add(new() { Value = q.Reason });
            insert.Parameters.Add(new() { Value = (object?)q.Record.Key ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bytea });
            insert.Parameters.Add(new() { Value = (object?)q.Record.Value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bytea });
            insert.Parameters.Add(new() { Value = runId });
            await insert.ExecuteNonQueryAsync(ct);
        }
    }

    const string ReadSeries = """
        SELECT t_measurement, t_report, value, topic, partition, "offset" FROM meters.measurements
        WHERE device_id = $1 AND signal_name = $2 AND t_measurement >= $3 AND t_measurement <= $4 AND known
        """;

    /// <summary>The measurements of a configured series measured in [<paramref name="from"/>, <paramref name="to"/>].</summary>
    public static async Task<List<Measurement>> ReadSeriesAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, MeterSeriesKey series, DateTime from, DateTime to, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(ReadSeries, connection, tx);
        command.Parameters.Add(new() { Value = series.DeviceId });
        command.Parameters.Add(new() { Value = series.SignalName });
        command.Parameters.Add(new() { Value = from, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = to, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<Measurement>();
        while (await reader.ReadAsync(ct))
            rows.Add(new Measurement(reader.GetDateTime(0), reader.GetDateTime(1), series.DeviceId, series.SignalName, reader.GetDouble(2), reader.GetString(3), reader.GetInt32(4), reader.GetInt64(5)));
        return rows;
    }

    const string ReadRunUnknown = """
        SELECT t_measurement, t_report, device_id, signal_name, value, topic, partition, "offset" FROM meters.measurements WHERE run_id = $1 AND NOT known
        """;

    const string ReadRunQuarantine = """
        SELECT q.reason, q.topic, q.partition, q."offset", q.key, q.value, r."timestamp", r.timestamp_type
        FROM meters.quarantine q JOIN meters.raw_records r USING (topic, partition, "offset") WHERE q.run_id = $1
        """;

    /// <summary>What a run processed apart from configured series: its unknown-series measurements and its quarantine.</summary>
    public static async Task<(List<Measurement> Unknown, List<QuarantinedMeter> Quarantined)> ReadRunRestAsync(NpgsqlConnection connection, string runId, CancellationToken ct)
    {
        var unknown = new List<Measurement>();
        await using (var command = new NpgsqlCommand(ReadRunUnknown, connection))
        {
            command.Parameters.Add(new() { Value = runId });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                unknown.Add(new Measurement(reader.GetDateTime(0), reader.GetDateTime(1), reader.GetString(2), reader.GetString(3), reader.GetDouble(4), reader.GetString(5), reader.GetInt32(6), reader.GetInt64(7)));
        }
        var quarantined = new List<QuarantinedMeter>();
        await using (var command = new NpgsqlCommand(ReadRunQuarantine, connection))
        {
            command.Parameters.Add(new() { Value = runId });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                quarantined.Add(new QuarantinedMeter(reader.GetString(0), new RawRecord(reader.GetString(1), reader.GetInt32(2), reader.GetInt64(3),
                    reader.IsDBNull(4) ? null : (byte[])reader[4], reader.IsDBNull(5) ? null : (byte[])reader[5],
                    reader.IsDBNull(6) ? null : reader.GetDateTime(6), (KafkaTimestampType)reader.GetInt16(7))));
        }
        return (unknown, quarantined);
    }

    const string CopyCleaned = """
        COPY meters.cleaned (device_id, signal_name, ts, value, method, source_offset, run_id) FROM STDIN (FORMAT BINARY)
        """;

    /// <summary>Replaces the cleaned rows of a series in [<paramref name="from"/>, <paramref name="to"/>] with the cleaner's rows in that range.</summary>
    public static async Task<(long Points, long Filled)> ReplaceCleanedAsync(NpgsqlConnection connection, NpgsqlTransaction tx, CleanedSeries cleaned, DateTime from, DateTime to, string runId, CancellationToken ct)
    {
        await using (var delete = new NpgsqlCommand("DELETE FROM meters.cleaned WHERE device_id = $1 AND signal_name = $2 AND ts >= $3 AND ts <= $4", connection, tx))
        {
            delete.Parameters.Add(new() { Value = cleaned.Series.DeviceId });
            delete.Parameters.Add(new() { Value = cleaned.Series.SignalName });
            delete.Parameters.Add(new() { Value = from, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            delete.Parameters.Add(new() { Value = to, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            await delete.ExecuteNonQueryAsync(ct);
        }
        long points = 0, filled = 0;
        await using var writer = await connection.BeginBinaryImportAsync(CopyCleaned, ct);
        for (var i = 0; i < cleaned.Count; i++)
        {
            var ts = cleaned.Timestamp(i);
            if (ts < from || ts > to) continue;
            var method = cleaned.Methods[i];
            writer.StartRow();
            writer.Write(cleaned.Series.DeviceId, NpgsqlDbType.Text);
            writer.Write(cleaned.Series.SignalName, NpgsqlDbType.Text);
            writer.Write(ts, NpgsqlDbType.TimestampTz);
            writer.Write(cleaned.Values[i], NpgsqlDbType.Double);
            writer.Write(Files.CleanedFiles.MethodName(method), NpgsqlDbType.Text);
            if (method == FillMethod.Measured) writer.Write(cleaned.Offsets[i], NpgsqlDbType.Bigint); else writer.WriteNull();
            writer.Write(runId, NpgsqlDbType.Text);
            points++;
            if (method != FillMethod.Measured) filled++;
        }
        await writer.CompleteAsync(ct);
        return (points, filled);
    }

    static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, tx);
        await command.ExecuteNonQueryAsync(ct);
    }
}
