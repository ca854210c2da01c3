using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Telemetry.Storage;

/// <summary>
/// A metric (name within a service) in the list: how many points and attribute sets (series) are stored, and its latest
/// point: the value of a gauge or sum (a cumulative counter's running total), the buckets of a histogram.
/// </summary>
public sealed record MetricSummary(string ServiceName, string Name, string? Description, string? Unit, MetricKind Kind, MetricTemporality Temporality,
    bool IsMonotonic, long Points, int Series, DateTime LatestTime, double? LatestValue, HistogramBuckets? LatestHistogram,
    IReadOnlyDictionary<string, string> LatestAttributes);

/// <summary>A stored point of one series, oldest first in <see cref="MetricSeries.Points"/>.</summary>
public sealed record StoredMetricPoint(long StartNs, long TimeNs, double? Value, HistogramBuckets? Histogram);

/// <summary>The points of one attribute set of one service.</summary>
public sealed record MetricSeries(string ServiceName, IReadOnlyDictionary<string, string> Attributes, IReadOnlyList<StoredMetricPoint> Points);

/// <summary>
/// The points of a metric in the window (<see cref="From"/>, <see cref="To"/>] that ends at its latest point.
/// <see cref="Truncated"/>: more points than the read limit were in the window; the oldest were left out.
/// </summary>
public sealed record MetricDetail(string Name, string? Description, string? Unit, MetricKind Kind, MetricTemporality Temporality, bool IsMonotonic,
    DateTime From, DateTime To, IReadOnlyList<MetricSeries> Series, bool Truncated);

public sealed partial class TelemetryReader
{
    const string PointColumns = "start_ns, time_ns, value, count, sum, min, max, bucket_counts, explicit_bounds";

    /// <summary>Metrics by name then service; <paramref name="nameContains"/> matches case-insensitively anywhere in the name.</summary>
    public async Task<IReadOnlyList<MetricSummary>> MetricsAsync(string? service, string? nameContains, int limit, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT m.service_name, m.name, l.description, l.unit, l.kind, l.temporality, l.is_monotonic, m.points, m.series, l.attributes::text,
                   l.start_ns, l.time_ns, l.value, l.count, l.sum, l.min, l.max, l.bucket_counts, l.explicit_bounds
            FROM (SELECT service_name, name, count(*) AS points, count(DISTINCT attributes)::int AS series
                  FROM telemetry.metric_points
                  WHERE ($1::text IS NULL OR service_name = $1) AND ($2::text IS NULL OR name ILIKE $2)
                  GROUP BY service_name, name) m
            CROSS JOIN LATERAL (SELECT * FROM telemetry.metric_points p WHERE p.name = m.name AND p.service_name = m.service_name
                                ORDER BY p.time_ns DESC, p.id DESC LIMIT 1) l
            ORDER BY m.name, m.service_name
            LIMIT $3
            """);
        command.Parameters.Add(new() { Value = (object?)service ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = nameContains is null ? DBNull.Value : Contains(nameContains), NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = limit });
        return await ReadAllAsync(command, r =>
        {
            var latest = Point(r, 10);
            return new MetricSummary(r.GetString(0), r.GetString(1), NullableString(r, 2), NullableString(r, 3), (MetricKind)r.GetInt16(4),
                (MetricTemporality)r.GetInt16(5), r.GetBoolean(6), r.GetInt64(7), r.GetInt32(8), FromNs(latest.TimeNs), latest.Value, latest.Histogram,
                Attributes(r, 9));
        }, ct);
    }

    public Task<IReadOnlyList<string>> MetricServicesAsync(CancellationToken ct = default) => DistinctServicesAsync("metric_points", ct);

    /// <summary>
    /// The points of metric <paramref name="name"/> (of one service, or of all) within <paramref name="window"/> before its
    /// latest point, grouped into series; null when nothing is stored under that name. Points of another kind under the
    /// same name (a service that changed the instrument) are left out: they cannot share a chart.
    /// </summary>
    public async Task<MetricDetail?> MetricAsync(string name, string? service, TimeSpan window, int maxPoints, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT service_name, description, unit, kind, temporality, is_monotonic, attributes::text, {PointColumns}
            FROM telemetry.metric_points
            WHERE name = $1 AND ($2::text IS NULL OR service_name = $2)
              AND time_ns > (SELECT max(time_ns) FROM telemetry.metric_points WHERE name = $1 AND ($2::text IS NULL OR service_name = $2)) - $3
            ORDER BY time_ns DESC, id DESC
            LIMIT $4
            """);
        command.Parameters.Add(new() { Value = name });
        command.Parameters.Add(new() { Value = (object?)service ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = window.Ticks * 100 });
        command.Parameters.Add(new() { Value = maxPoints });
        var rows = await ReadAllAsync(command, r => (Service: r.GetString(0), Description: NullableString(r, 1), Unit: NullableString(r, 2),
            Kind: (MetricKind)r.GetInt16(3), Temporality: (MetricTemporality)r.GetInt16(4), IsMonotonic: r.GetBoolean(5),
            AttributesJson: r.GetString(6), Point: Point(r, 7)), ct);
        if (rows.Count == 0) return null;
        var newest = rows[0];
        var series = rows.Where(r => (r.Kind, r.Temporality, r.IsMonotonic) == (newest.Kind, newest.Temporality, newest.IsMonotonic))
            .GroupBy(r => (r.Service, r.AttributesJson))
            .Select(g => new MetricSeries(g.Key.Service, JsonSerializer.Deserialize<Dictionary<string, string>>(g.Key.AttributesJson) ?? [],
                g.Select(r => r.Point).Reverse().ToList()))
            .ToList();
        var windowStart = newest.Point.TimeNs - window.Ticks * 100;
        return new MetricDetail(name, newest.Description, newest.Unit, newest.Kind, newest.Temporality, newest.IsMonotonic,
            FromNs(rows.Count == maxPoints ? rows[^1].Point.TimeNs : windowStart), FromNs(newest.Point.TimeNs), series, rows.Count == maxPoints);
    }

    /// <summary>The point columns (<see cref="PointColumns"/>) starting at <paramref name="first"/>.</summary>
    static StoredMetricPoint Point(NpgsqlDataReader r, int first)
    {
        double? Double(int i) => r.IsDBNull(first + i) ? null : r.GetDouble(first + i);
        var histogram = r.IsDBNull(first + 3) ? null : new HistogramBuckets(r.GetInt64(first + 3), Double(4), Double(5), Double(6),
            r.GetFieldValue<long[]>(first + 7), r.GetFieldValue<double[]>(first + 8));
        return new StoredMetricPoint(r.GetInt64(first), r.GetInt64(first + 1), Double(2), histogram);
    }

    /// <summary>A LIKE pattern matching <paramref name="text"/> anywhere, with LIKE's wildcards in it taken literally.</summary>
    static string Contains(string text) =>
        "%" + text.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal) + "%";
}
