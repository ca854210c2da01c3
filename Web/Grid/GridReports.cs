using Grid;
using Grid.Transformations;
using Npgsql;
using Web.Api;

namespace Web.Grid;

/// <summary>One revision of one Energy-Charts point: what it was (since <c>OldValidFrom</c>) and what the fetch at <c>ChangedAt</c> made it.</summary>
public sealed record GridChangeRow(string Dataset, string Area, string Series, DateTimeOffset Timestamp, string Unit, double OldValue, double NewValue,
    DateTimeOffset OldValidFrom, DateTimeOffset ChangedAt);

public sealed record DailyProductionRow(DateOnly Day, string Series, double EnergyMwh, double MeanMw, int Points);

public sealed record PriceWindRow(DateOnly Day, double MeanPrice, string PriceUnit, double? WindOnshoreMwh, double? WindOffshoreMwh);

public sealed record PriceWindReport(IReadOnlyList<PriceWindRow> Days, PriceWindCorrelation Correlation);

/// <summary>Reads the grid pipeline's silver history and gold tables (schema <c>pipeline</c>, written by Workers).</summary>
public sealed class GridReports(NpgsqlDataSource dataSource, GridAreas areas)
{
    // from/to are local days of the revised point; type is the production type (series)
    const string ChangesFilter = """
        ($1::date IS NULL OR ts >= ($1::date::timestamp AT TIME ZONE 'Europe/Berlin'))
        AND ($2::date IS NULL OR ts < (($2::date + 1)::timestamp AT TIME ZONE 'Europe/Berlin'))
        AND ($3::text IS NULL OR series = $3)
        """;

    public async Task<Paged<GridChangeRow>> ChangesAsync(DateOnly? from, DateOnly? to, string? type, PageRequest page, CancellationToken ct)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(Command($"SELECT count(*) FROM pipeline.grid_point_changes WHERE {ChangesFilter}", from, to, type));
        batch.BatchCommands.Add(Command($"""
            SELECT dataset, area, series, ts, unit, old_value, new_value, old_valid_from, changed_at FROM pipeline.grid_point_changes
            WHERE {ChangesFilter} ORDER BY changed_at DESC, ts, series, id LIMIT $4 OFFSET $5
            """, from, to, type, page.Limit, page.Offset));
        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var total = reader.GetInt64(0);
        await reader.NextResultAsync(ct);
        var rows = new List<GridChangeRow>();
        while (await reader.ReadAsync(ct))
            rows.Add(new GridChangeRow(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3), reader.GetString(4),
                reader.GetDouble(5), reader.GetDouble(6), reader.GetFieldValue<DateTimeOffset>(7), reader.GetFieldValue<DateTimeOffset>(8)));
        return new Paged<GridChangeRow>(rows, total, page);
    }

    public async Task<IReadOnlyList<DailyProductionRow>> ProductionAsync(DateOnly from, DateOnly to, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT day, series, energy_mwh, mean_mw, points FROM pipeline.grid_daily_production
            WHERE area = $1 AND day BETWEEN $2 AND $3 ORDER BY day, series
            """);
        foreach (var value in new object[] { areas.Country, from, to }) command.Parameters.Add(new() { Value = value });
        var rows = new List<DailyProductionRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add(new DailyProductionRow(reader.GetFieldValue<DateOnly>(0), reader.GetString(1), reader.GetDouble(2), reader.GetDouble(3), reader.GetInt32(4)));
        return rows;
    }

    public async Task<PriceWindReport> PriceWindAsync(DateOnly from, DateOnly to, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT day, mean_price, price_unit, wind_onshore_mwh, wind_offshore_mwh FROM pipeline.grid_daily_price_wind
            WHERE bidding_zone = $1 AND area = $2 AND day BETWEEN $3 AND $4 ORDER BY day
            """);
        foreach (var value in new object[] { areas.BiddingZone, areas.Country, from, to }) command.Parameters.Add(new() { Value = value });
        var rows = new List<PriceWindRow>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                rows.Add(new PriceWindRow(reader.GetFieldValue<DateOnly>(0), reader.GetDouble(1), reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetDouble(3), reader.IsDBNull(4) ? null : reader.GetDouble(4)));
        return new PriceWindReport(rows, await GridTransformations.CorrelateAsync(dataSource, areas.BiddingZone, areas.Country, from, to, ct));
    }

    static NpgsqlBatchCommand Command(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
            command.Parameters.Add(value switch
            {
                DateOnly d => new NpgsqlParameter { Value = d, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Date },
                null => new NpgsqlParameter { Value = DBNull.Value },
                _ => new NpgsqlParameter { Value = value },
            });
        return command;
    }
}
