using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;
using Web.Api;

namespace Web.Meters;

public sealed record MeterSeriesRow(string DeviceId, string SignalName, long Points, long Measured, long Filled, DateTime? First, DateTime? Last);

/// <summary>Cleaned points of one series as columns: time (Unix seconds), value, and whether each was measured or filled (and how).</summary>
public sealed record MeterPoints(string DeviceId, string SignalName, IReadOnlyList<long> Time, IReadOnlyList<double> Value, IReadOnlyList<string> Method, bool Complete);

public sealed record MeterRunRow(string RunId, DateTime StartedAt, DateTime? FinishedAt, string Status, int Records, int Measurements, int Unknown, int Quarantined, int ExportedFiles, int FailedChecks);

public sealed record MeterCheckRow(string Check, string Severity, bool Passed, string? Series, DateTime? WindowStart, DateTime? WindowEnd, long Count, string Message);

/// <summary>One hour of one series: how many grid points it has and how many of them were measured.</summary>
public sealed record MeterCompletenessRow(DateTime Hour, long Points, long Measured, double Share);

/// <summary>Reads the meter workflow's tables (created by Workers' migration 011) for the API and the pages.</summary>
public sealed class MeterReports(NpgsqlDataSource dataSource)
{
    static readonly ActivitySource Source = new("Pipeline.Web.Meters");

    const string Series = """
        SELECT device_id, signal_name, count(*), count(*) FILTER (WHERE method = 'measured'), count(*) FILTER (WHERE method <> 'measured'), min(ts), max(ts)
        FROM meters.cleaned GROUP BY 1, 2 ORDER BY 1, 2
        """;

    public async Task<IReadOnlyList<MeterSeriesRow>> SeriesAsync(CancellationToken ct)
    {
        using var span = Source.StartActivity("meters series");
        return await ReadAsync(Series, [], r => new MeterSeriesRow(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.GetDateTime(5), r.GetDateTime(6)), ct);
    }

    // The last `limit` points up to `to` (default: the series' end), so the newest data shows first.
    const string Points = """
        SELECT extract(epoch FROM ts)::bigint, value, method FROM (
            SELECT ts, value, method FROM meters.cleaned
            WHERE device_id = $1 AND signal_name = $2 AND ts >= coalesce($3, '-infinity') AND ts <= coalesce($4, 'infinity')
            ORDER BY ts DESC LIMIT $5) last ORDER BY ts
        """;

    public async Task<MeterPoints> PointsAsync(string device, string signal, DateTime? from, DateTime? to, int limit, CancellationToken ct)
    {
        using var span = Source.StartActivity("meters points");
        var rows = await ReadAsync(Points, [device, signal, Time(from), Time(to), limit + 1], r => (r.GetInt64(0), r.GetDouble(1), r.GetString(2)), ct);
        var complete = rows.Count <= limit;
        if (!complete) rows.RemoveAt(0);
        return new MeterPoints(device, signal, rows.Select(r => r.Item1).ToList(), rows.Select(r => r.Item2).ToList(), rows.Select(r => r.Item3).ToList(), complete);
    }

    const string Runs = """
        SELECT r.run_id, r.started_at, r.finished_at, r.status, r.records, r.measurements, r.unknown, r.quarantined, r.exported_files,
               (SELECT count(*) FROM meters.check_results c WHERE c.run_id = r.run_id AND NOT c.passed)::int, count(*) OVER ()
        FROM meters.runs r ORDER BY r.started_at DESC, r.run_id LIMIT $1 OFFSET $2
        """;

    public async Task<Paged<MeterRunRow>> RunsAsync(PageRequest page, CancellationToken ct)
    {
        long total = 0;
        var rows = await ReadAsync(Runs, [page.Limit, page.Offset], r =>
        {
            total = r.GetInt64(10);
            return new MeterRunRow(r.GetString(0), r.GetDateTime(1), r.IsDBNull(2) ? null : r.GetDateTime(2), r.GetString(3), r.GetInt32(4), r.GetInt32(5), r.GetInt32(6), r.GetInt32(7), r.GetInt32(8), r.GetInt32(9));
        }, ct);
        if (rows.Count == 0 && page.Offset > 0) total = (await RunsAsync(new PageRequest(0, 1), ct)).Total;
        return new Paged<MeterRunRow>(rows, total, page);
    }

    const string Checks = """
        SELECT check_name, severity, passed, series, window_start, window_end, count, message FROM meters.check_results WHERE run_id = $1 ORDER BY ordinal
        """;

    /// <summary>The run's check results in the order they ran, or null when there is no such run.</summary>
    public async Task<IReadOnlyList<MeterCheckRow>?> ChecksAsync(string runId, CancellationToken ct)
    {
        var exists = await ReadAsync("SELECT 1 FROM meters.runs WHERE run_id = $1", [runId], r => r.GetInt32(0), ct);
        if (exists.Count == 0) return null;
        return await ReadAsync(Checks, [runId], r => new MeterCheckRow(r.GetString(0), r.GetString(1), r.GetBoolean(2), r.IsDBNull(3) ? null : r.GetString(3),
            r.IsDBNull(4) ? null : r.GetDateTime(4), r.IsDBNull(5) ? null : r.GetDateTime(5), r.GetInt64(6), r.GetString(7)), ct);
    }

    const string Completeness = """
        SELECT date_trunc('hour', ts), count(*), count(*) FILTER (WHERE method = 'measured')
        FROM meters.cleaned WHERE device_id = $1 AND signal_name = $2 AND ts >= coalesce($3, '-infinity') AND ts <= coalesce($4, 'infinity')
        GROUP BY 1 ORDER BY 1
        """;

    public Task<List<MeterCompletenessRow>> CompletenessAsync(string device, string signal, DateTime? from, DateTime? to, CancellationToken ct) =>
        ReadAsync(Completeness, [device, signal, Time(from), Time(to)], r => new MeterCompletenessRow(r.GetDateTime(0), r.GetInt64(1), r.GetInt64(2), (double)r.GetInt64(2) / r.GetInt64(1)), ct);

    static NpgsqlParameter Time(DateTime? at) => new() { Value = (object?)at ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz };

    async Task<List<T>> ReadAsync<T>(string sql, object[] parameters, Func<NpgsqlDataReader, T> map, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var p in parameters) command.Parameters.Add(p as NpgsqlParameter ?? new NpgsqlParameter { Value = p });
        var rows = new List<T>();
        try
        {
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) rows.Add(map(reader));
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
        {
            // Workers create the meter tables when they first start: until then there is simply no meter data.
        }
        return rows;
    }
}
