using Npgsql;
using NpgsqlTypes;

namespace Grid.Transformations;

/// <summary>
/// Pearson correlations of the daily mean price with daily wind energy over a range of days (null when undefined), and
/// <see cref="Days"/>: the days with a price and both wind energies, which the correlations are computed over. Days with
/// a price only (day-ahead prices are published before the day's production) do not count.
/// </summary>
public sealed record PriceWindCorrelation(int Days, double? Onshore, double? Offshore, double? Wind);

/// <summary>
/// The gold tables, recomputed for exactly the local days a merge inserted or revised points in (delete and insert
/// those days in the caller's transaction: rerunning gives the same rows). docs/grid.md defines each table.
/// <list type="bullet">
/// <item><c>grid_daily_production</c>: per production type and day, energy (Σ MW × ¼ h) and mean power; consumption
/// (pumped storage) stays negative, so the day's sum is net production. Load, residual load, cross-border trading and
/// the renewable shares are not production and are left out.</item>
/// <item><c>grid_daily_price_wind</c>: per day, the mean day-ahead price and onshore/offshore wind energy.</item>
/// <item><c>grid_underperformance</c>: per production type and 30-minute slot, the mean of its quarter hours against the
/// baseline (the mean of the same local time-of-day slot over the 7 preceding days); underperforming when the baseline
/// is at least <see cref="MinimumExpectedMw"/> and the slot delivered less than <see cref="UnderperformanceRatio"/> of it.
/// A day's baseline depends on the 7 days before it, so a revised day also recomputes the 7 days after it.</item>
/// </list>
/// </summary>
public static class GridTransformations
{
    public const double UnderperformanceRatio = 0.8;
    public const double MinimumExpectedMw = 100;
    public const int BaselineDays = 7;

    /// <summary>Series of public_power that are not a production type.</summary>
    public static IReadOnlyList<string> NotProduction { get; } = ["Load", "Residual load", "Cross border electricity trading"];

    const string ClearProduction = "DELETE FROM pipeline.grid_daily_production WHERE area = $1 AND day = ANY($2)";

    const string Production = """
        INSERT INTO pipeline.grid_daily_production (area, day, series, energy_mwh, mean_mw, points)
        SELECT $1, (ts AT TIME ZONE 'Europe/Berlin')::date, series, sum(value) * 0.25, avg(value), count(*)
        FROM pipeline.grid_points
        WHERE dataset = 'public_power' AND area = $1 AND unit = 'MW' AND series <> ALL($3)
          AND ts >= $4 AND ts < $5 AND (ts AT TIME ZONE 'Europe/Berlin')::date = ANY($2)
        GROUP BY 2, 3
        """;

    const string ClearPriceWind = "DELETE FROM pipeline.grid_daily_price_wind WHERE bidding_zone = $1 AND area = $2 AND day = ANY($3)";

    const string PriceWind = """
        INSERT INTO pipeline.grid_daily_price_wind (bidding_zone, area, day, mean_price, price_unit, wind_onshore_mwh, wind_offshore_mwh)
        SELECT $1, $2, p.day, p.mean_price, p.unit,
               (SELECT energy_mwh FROM pipeline.grid_daily_production w WHERE w.area = $2 AND w.day = p.day AND w.series = 'Wind onshore'),
               (SELECT energy_mwh FROM pipeline.grid_daily_production w WHERE w.area = $2 AND w.day = p.day AND w.series = 'Wind offshore')
        FROM (SELECT (ts AT TIME ZONE 'Europe/Berlin')::date AS day, avg(value) AS mean_price, min(unit) AS unit
              FROM pipeline.grid_points
              WHERE dataset = 'price' AND area = $1 AND ts >= $4 AND ts < $5 AND (ts AT TIME ZONE 'Europe/Berlin')::date = ANY($3)
              GROUP BY 1) p
        """;

    // UTC half hours are local half hours (Berlin is a whole number of hours from UTC), so date_bin on UTC is the local slot.
    const string ClearUnderperformance = "DELETE FROM pipeline.grid_underperformance WHERE area = $1 AND day = ANY($2)";

    const string Underperformance = """
        WITH slots AS (
            SELECT series, date_bin('30 minutes', ts, timestamptz '2000-01-01 00:00Z') AS slot_start, avg(value) AS actual
            FROM pipeline.grid_points
            WHERE dataset = 'public_power' AND area = $1 AND unit = 'MW' AND series <> ALL($3) AND ts >= $4 AND ts < $5
            GROUP BY 1, 2),
        local AS (
            SELECT series, slot_start, actual, (slot_start AT TIME ZONE 'Europe/Berlin')::date AS day,
                   (slot_start AT TIME ZONE 'Europe/Berlin')::time AS time_of_day
            FROM slots),
        baseline AS (
            SELECT *, avg(actual) OVER (PARTITION BY series, time_of_day ORDER BY day
                                        RANGE BETWEEN make_interval(days => $6) PRECEDING AND interval '1 day' PRECEDING) AS expected
            FROM local)
        INSERT INTO pipeline.grid_underperformance (area, series, slot_start, day, actual_mw, expected_mw, ratio, underperforming)
        SELECT $1, series, slot_start, day, actual, expected, CASE WHEN expected <> 0 THEN actual / expected END,
               coalesce(expected >= $7 AND actual < $8 * expected, false)
        FROM baseline WHERE day = ANY($2)
        """;

    const string Correlation = """
        SELECT count(wind_onshore_mwh + wind_offshore_mwh)::int, corr(mean_price, wind_onshore_mwh), corr(mean_price, wind_offshore_mwh), corr(mean_price, wind_onshore_mwh + wind_offshore_mwh)
        FROM pipeline.grid_daily_price_wind WHERE bidding_zone = $1 AND area = $2 AND day BETWEEN $3 AND $4
        """;

    /// <summary>New or revised public power on <paramref name="days"/>: production, the underperformance features and, with the country's bidding zone, price vs wind.</summary>
    public static async Task RecomputePublicPowerAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string country, string? biddingZone, IReadOnlyList<DateOnly> days, CancellationToken ct)
    {
        if (days.Count == 0) return;
        using var span = GridTelemetry.Source.StartActivity("grid transform public power");
        span?.SetTag("grid.days", days.Count);
        var (from, to) = Range(days);
        var notProduction = NotProduction.ToArray();
        await RunAsync(connection, transaction, ct, ClearProduction, country, days.ToArray());
        await RunAsync(connection, transaction, ct, Production, country, days.ToArray(), notProduction, from, to);
        if (biddingZone is not null) await RecomputePriceWindAsync(connection, transaction, biddingZone, country, days, ct);

        // the revised days and the days whose baseline includes them, read together with their own baseline days
        var affected = days.SelectMany(d => Enumerable.Range(0, BaselineDays + 1).Select(d.AddDays)).Distinct().Order().ToArray();
        await RunAsync(connection, transaction, ct, ClearUnderperformance, country, affected);
        await RunAsync(connection, transaction, ct, Underperformance, country, affected, notProduction,
            BerlinTime.StartOfDayUtc(affected[0].AddDays(-BaselineDays)), Range(affected).To, BaselineDays, MinimumExpectedMw, UnderperformanceRatio);
    }

    /// <summary>New or revised prices (or wind) on <paramref name="days"/>: price vs wind.</summary>
    public static async Task RecomputePriceWindAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string biddingZone, string country, IReadOnlyList<DateOnly> days, CancellationToken ct)
    {
        if (days.Count == 0) return;
        var (from, to) = Range(days);
        await RunAsync(connection, transaction, ct, ClearPriceWind, biddingZone, country, days.ToArray());
        await RunAsync(connection, transaction, ct, PriceWind, biddingZone, country, days.ToArray(), from, to);
    }

    /// <summary>Correlations of price and wind over the days <paramref name="first"/>..<paramref name="last"/> (PostgreSQL's corr).</summary>
    public static async Task<PriceWindCorrelation> CorrelateAsync(NpgsqlDataSource dataSource, string biddingZone, string country, DateOnly first, DateOnly last, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(Correlation);
        foreach (var value in new object[] { biddingZone, country, first, last }) command.Parameters.Add(new() { Value = value });
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        double? Get(int i) => reader.IsDBNull(i) ? null : reader.GetDouble(i);
        return new PriceWindCorrelation(reader.GetInt32(0), Get(1), Get(2), Get(3));
    }

    static (DateTime From, DateTime To) Range(IReadOnlyList<DateOnly> days) =>
        (BerlinTime.StartOfDayUtc(days.Min()), BerlinTime.StartOfDayUtc(days.Max().AddDays(1)));

    static async Task RunAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct, string sql, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var value in parameters)
            command.Parameters.Add(value is DateTime t ? new NpgsqlParameter { Value = t, NpgsqlDbType = NpgsqlDbType.TimestampTz } : new NpgsqlParameter { Value = value });
        await command.ExecuteNonQueryAsync(ct);
    }
}
