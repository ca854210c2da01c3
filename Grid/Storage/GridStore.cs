using System.Security.Cryptography;
using Grid.EnergyCharts;
using Npgsql;
using NpgsqlTypes;

namespace Grid.Storage;

/// <summary>
/// What one merge did. Inserted: points new to the table; Revised: stored points whose value changed (each logged with
/// its old value); Unchanged: points already stored with the same value (not written at all). ChangedDays are the local
/// days with an inserted or revised point (what the transformations recompute). MissingSeries: series stored for this
/// window that the payload no longer names; their points are kept as they are.
/// </summary>
public sealed record MergeOutcome(long FetchId, int Points, int Inserted, int Revised, int Unchanged, IReadOnlyList<DateOnly> ChangedDays, IReadOnlyList<string> MissingSeries);

/// <summary>
/// Bronze and silver of the grid pipeline, inside the caller's transaction: the raw payload in
/// <c>pipeline.grid_fetches</c>, then change data capture of its points into <c>pipeline.grid_points</c> with history in
/// <c>pipeline.grid_point_changes</c>. Merging the same payload again changes nothing, so every caller may retry.
/// </summary>
public static class GridStore
{
    const string KeepRaw = """
        INSERT INTO pipeline.grid_fetches (dataset, area, url, payload, payload_sha256, first_fetched_at, last_fetched_at, rejected_reason)
        VALUES ($1, $2, $3, $4, $5, $6, $6, $7)
        ON CONFLICT (url, payload_sha256) DO UPDATE
        SET fetches = pipeline.grid_fetches.fetches + 1,
            last_fetched_at = greatest(pipeline.grid_fetches.last_fetched_at, excluded.last_fetched_at)
        RETURNING id
        """;

    // One merge per dataset and area at a time: two overlapping fetches must not both log the same revision.
    const string Lock = "SELECT pg_advisory_xact_lock(hashtext('grid:' || $1 || ':' || $2))";

    // Keyed like the payload: a point given twice in one payload is an error here rather than a double revision.
    const string CreateStaging = """
        CREATE TEMP TABLE IF NOT EXISTS grid_staging (
            series text NOT NULL, ts timestamptz NOT NULL, value double precision NOT NULL, unit text NOT NULL,
            PRIMARY KEY (ts, series))
        ON COMMIT DELETE ROWS
        """;

    const string CopyStaging = "COPY grid_staging (series, ts, value, unit) FROM STDIN (FORMAT BINARY)";

    // Set-based over the payload's time window ($5..$6), which the key (dataset, area, ts, series) reads as one index
    // range: `stored` is that window's points (materialised, so the join is a hash join of the two sets whatever the
    // table's size, never a probe per point), `matched` pairs each staged point with its stored one, `revised` updates
    // exactly the points whose value or unit differs (joined on the key), `logged` writes their old and new values from
    // the same join, `inserted` adds the points not stored yet. Unchanged points are neither updated nor logged. All
    // CTEs see the table as it was before the statement.
    const string Merge = """
        WITH stored AS MATERIALIZED (
            SELECT series, ts, value, unit, valid_from FROM pipeline.grid_points
            WHERE dataset = $1 AND area = $2 AND ts BETWEEN $5 AND $6),
        matched AS (
            SELECT s.series, s.ts, s.value, s.unit, p.ts IS NOT NULL AS stored,
                   p.ts IS NOT NULL AND (p.value, p.unit) IS DISTINCT FROM (s.value, s.unit) AS changed,
                   p.value AS old_value, p.valid_from AS old_valid_from
            FROM grid_staging s LEFT JOIN stored p USING (ts, series)),
        revised AS (
            UPDATE pipeline.grid_points p SET value = m.value, unit = m.unit, valid_from = $3, fetch_id = $4
            FROM matched m
            WHERE m.changed AND p.dataset = $1 AND p.area = $2 AND p.ts BETWEEN $5 AND $6 AND p.ts = m.ts AND p.series = m.series
            RETURNING p.ts),
        logged AS (
            INSERT INTO pipeline.grid_point_changes (dataset, area, series, ts, unit, old_value, new_value, old_valid_from, changed_at, fetch_id)
            SELECT $1, $2, series, ts, unit, old_value, value, old_valid_from, $3, $4 FROM matched WHERE changed),
        inserted AS (
            INSERT INTO pipeline.grid_points (dataset, area, series, ts, value, unit, valid_from, fetch_id)
            SELECT $1, $2, series, ts, value, unit, $3, $4 FROM matched WHERE NOT stored
            RETURNING ts)
        SELECT (SELECT count(*) FROM inserted)::int,
               (SELECT count(*) FROM revised)::int,
               ARRAY(SELECT DISTINCT (ts AT TIME ZONE 'Europe/Berlin')::date FROM (SELECT ts FROM inserted UNION ALL SELECT ts FROM revised) t ORDER BY 1)
        """;

    const string StoredSeries = """
        SELECT DISTINCT series FROM pipeline.grid_points WHERE dataset = $1 AND area = $2 AND ts BETWEEN $3 AND $4 ORDER BY series
        """;

    /// <summary>Keeps the payload as received (once per URL and content); returns its bronze row's id.</summary>
    public static async Task<long> KeepRawAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, FetchedPayload payload, string? rejectedReason, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(KeepRaw, connection, transaction);
        command.Parameters.Add(new() { Value = payload.Request.Dataset });
        command.Parameters.Add(new() { Value = payload.Request.Area });
        command.Parameters.Add(new() { Value = payload.Url.ToString() });
        command.Parameters.Add(new() { Value = payload.Body });
        command.Parameters.Add(new() { Value = SHA256.HashData(payload.Body) });
        command.Parameters.Add(new() { Value = payload.FetchedAt.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = (object?)rejectedReason ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Merges a parsed payload's points (change data capture); see <see cref="MergeOutcome"/>.</summary>
    public static async Task<MergeOutcome> MergeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, FetchedPayload payload, ParsedPayload parsed, long fetchId, CancellationToken ct)
    {
        using var span = GridTelemetry.Source.StartActivity("grid merge");
        var (dataset, area) = (payload.Request.Dataset, payload.Request.Area);
        span?.SetTag("grid.dataset", dataset);
        span?.SetTag("grid.area", area);
        span?.SetTag("grid.points", parsed.Points.Count);
        await ExecuteAsync(connection, transaction, Lock, ct, dataset, area);
        if (parsed.Points.Count == 0) return new MergeOutcome(fetchId, 0, 0, 0, 0, [], []);

        await ExecuteAsync(connection, transaction, CreateStaging, ct);
        await ExecuteAsync(connection, transaction, "TRUNCATE grid_staging", ct); // an earlier merge in this transaction
        await using (var copy = await connection.BeginBinaryImportAsync(CopyStaging, ct))
        {
            foreach (var point in parsed.Points)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(point.Series, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(point.Timestamp, NpgsqlDbType.TimestampTz, ct);
                await copy.WriteAsync(point.Value, NpgsqlDbType.Double, ct);
                await copy.WriteAsync(point.Unit, NpgsqlDbType.Text, ct);
            }
            await copy.CompleteAsync(ct);
        }
        // ANALYZE: the planner otherwise guesses a tiny staging table and joins a year's points row by row
        await ExecuteAsync(connection, transaction, "ANALYZE grid_staging", ct);

        var (first, last) = (parsed.Points.Min(p => p.Timestamp), parsed.Points.Max(p => p.Timestamp));
        int inserted, revised;
        DateOnly[] days;
        await using (var merge = new NpgsqlCommand(Merge, connection, transaction))
        {
            merge.Parameters.Add(new() { Value = dataset });
            merge.Parameters.Add(new() { Value = area });
            merge.Parameters.Add(new() { Value = payload.FetchedAt.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            merge.Parameters.Add(new() { Value = fetchId });
            merge.Parameters.Add(new() { Value = first, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            merge.Parameters.Add(new() { Value = last, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            await using var reader = await merge.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            (inserted, revised, days) = (reader.GetInt32(0), reader.GetInt32(1), reader.GetFieldValue<DateOnly[]>(2));
        }

        var missing = await MissingSeriesAsync(connection, transaction, payload, parsed, first, last, ct);
        GridTelemetry.PointsInserted.Add(inserted, new KeyValuePair<string, object?>("grid.dataset", dataset));
        GridTelemetry.PointsRevised.Add(revised, new KeyValuePair<string, object?>("grid.dataset", dataset));
        span?.SetTag("grid.inserted", inserted);
        span?.SetTag("grid.revised", revised);
        return new MergeOutcome(fetchId, parsed.Points.Count, inserted, revised, parsed.Points.Count - inserted - revised, days, missing);
    }

    static async Task<IReadOnlyList<string>> MissingSeriesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, FetchedPayload payload, ParsedPayload parsed, DateTime first, DateTime last, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(StoredSeries, connection, transaction);
        command.Parameters.Add(new() { Value = payload.Request.Dataset });
        command.Parameters.Add(new() { Value = payload.Request.Area });
        command.Parameters.Add(new() { Value = first, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = last, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        var missing = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            if (!parsed.Series.Contains(reader.GetString(0))) missing.Add(reader.GetString(0));
        return missing;
    }

    static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken ct, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var parameter in parameters) command.Parameters.Add(new() { Value = parameter });
        await command.ExecuteNonQueryAsync(ct);
    }
}
