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

    const string CreateStaging = """
        CREATE TEMP TABLE IF NOT EXISTS grid_staging (series text NOT NULL, ts timestamptz NOT NULL, value double precision NOT NULL, unit text NOT NULL)
        ON COMMIT DELETE ROWS
        """;

    const string CopyStaging = "COPY grid_staging (series, ts, value, unit) FROM STDIN (FORMAT BINARY)";

    // All CTEs see the table as it was before the statement: `before` holds the old values of exactly the points whose
    // value or unit differs, `revised` writes the new ones, `logged` keeps old and new, `inserted` adds points the
    // table did not have (existing ones conflict and are skipped). Unchanged points are neither updated nor logged.
    const string Merge = """
        WITH before AS (
            SELECT p.series, p.ts, p.value, p.unit, p.valid_from
            FROM grid_staging s JOIN pipeline.grid_points p
              ON p.dataset = $1 AND p.area = $2 AND p.series = s.series AND p.ts = s.ts
            WHERE (p.value, p.unit) IS DISTINCT FROM (s.value, s.unit)),
        revised AS (
            UPDATE pipeline.grid_points p SET value = s.value, unit = s.unit, valid_from = $3, fetch_id = $4
            FROM grid_staging s JOIN before b USING (series, ts)
            WHERE p.dataset = $1 AND p.area = $2 AND p.series = s.series AND p.ts = s.ts
            RETURNING p.series, p.ts, p.value, p.unit),
        logged AS (
            INSERT INTO pipeline.grid_point_changes (dataset, area, series, ts, unit, old_value, new_value, old_valid_from, changed_at, fetch_id)
            SELECT $1, $2, r.series, r.ts, r.unit, b.value, r.value, b.valid_from, $3, $4 FROM revised r JOIN before b USING (series, ts)
            RETURNING 1),
        inserted AS (
            INSERT INTO pipeline.grid_points (dataset, area, series, ts, value, unit, valid_from, fetch_id)
            SELECT $1, $2, series, ts, value, unit, $3, $4 FROM grid_staging
            ON CONFLICT (dataset, area, series, ts) DO NOTHING
            RETURNING ts)
        SELECT (SELECT count(*) FROM inserted)::int,
               (SELECT count(*) FROM logged)::int,
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

        int inserted, revised;
        DateOnly[] days;
        await using (var merge = new NpgsqlCommand(Merge, connection, transaction))
        {
            merge.Parameters.Add(new() { Value = dataset });
            merge.Parameters.Add(new() { Value = area });
            merge.Parameters.Add(new() { Value = payload.FetchedAt.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            merge.Parameters.Add(new() { Value = fetchId });
            await using var reader = await merge.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            (inserted, revised, days) = (reader.GetInt32(0), reader.GetInt32(1), reader.GetFieldValue<DateOnly[]>(2));
        }

        var missing = await MissingSeriesAsync(connection, transaction, payload, parsed, ct);
        GridTelemetry.PointsInserted.Add(inserted, new KeyValuePair<string, object?>("grid.dataset", dataset));
        GridTelemetry.PointsRevised.Add(revised, new KeyValuePair<string, object?>("grid.dataset", dataset));
        span?.SetTag("grid.inserted", inserted);
        span?.SetTag("grid.revised", revised);
        return new MergeOutcome(fetchId, parsed.Points.Count, inserted, revised, parsed.Points.Count - inserted - revised, days, missing);
    }

    static async Task<IReadOnlyList<string>> MissingSeriesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, FetchedPayload payload, ParsedPayload parsed, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(StoredSeries, connection, transaction);
        command.Parameters.Add(new() { Value = payload.Request.Dataset });
        command.Parameters.Add(new() { Value = payload.Request.Area });
        command.Parameters.Add(new() { Value = parsed.Points.Min(p => p.Timestamp), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = parsed.Points.Max(p => p.Timestamp), NpgsqlDbType = NpgsqlDbType.TimestampTz });
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
