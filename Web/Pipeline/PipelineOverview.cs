using Npgsql;

namespace Web.Pipeline;

public sealed record PipelineOverview(bool SchemaReady, long TradeLegs, long TradeLegsLastHour, DateTimeOffset? LastTradeIngestedAt, long Quarantined,
    long Products, long Anomalies, long UnresolvedDataLoss, DateTimeOffset? LastExportAt, IReadOnlyList<SourceActivity> Sources);

/// <summary>
/// A source that delivered trade legs in the last hour, named by its origin's scheme ("kafka" for the feed's topic,
/// "import" for CSV files), with its throughput over the last five minutes.
/// </summary>
public sealed record SourceActivity(string Source, long LastFiveMinutes, long LastHour, DateTimeOffset LastIngestedAt)
{
    public double PerSecond => LastFiveMinutes / 300.0;
}

/// <summary>The home page's pipeline status: how much arrived, what was rejected, what the workflows produced.</summary>
public sealed class PipelineOverviewReader(NpgsqlDataSource dataSource, TimeProvider time)
{
    const string CountsSql = """
        SELECT (SELECT count(*) FROM pipeline.trades),
               (SELECT max(ingested_at) FROM pipeline.trades),
               (SELECT count(*) FROM pipeline.trade_quarantine),
               (SELECT count(*) FROM pipeline.product_stats),
               (SELECT count(*) FROM pipeline.price_anomalies),
               (SELECT count(*) FROM pipeline.data_loss WHERE resolved_at IS NULL),
               (SELECT max(exported_at) FROM pipeline.lake_exports)
        """;

    // A range scan on trades_ingested: cheap whatever the table's size.
    const string SourcesSql = """
        SELECT split_part(origin, ':', 1), count(*) FILTER (WHERE ingested_at >= $2), count(*), max(ingested_at)
        FROM pipeline.trades WHERE ingested_at >= $1
        GROUP BY 1 ORDER BY 1
        """;

    public async Task<PipelineOverview> ReadAsync(CancellationToken ct)
    {
        try
        {
            var sources = await ReadSourcesAsync(time.GetUtcNow(), ct);
            await using var command = dataSource.CreateCommand(CountsSql);
            await using var r = await command.ExecuteReaderAsync(ct);
            await r.ReadAsync(ct);
            return new PipelineOverview(true, r.GetInt64(0), sources.Sum(s => s.LastHour), r.IsDBNull(1) ? null : r.GetFieldValue<DateTimeOffset>(1), r.GetInt64(2),
                r.GetInt64(3), r.GetInt64(4), r.GetInt64(5), r.IsDBNull(6) ? null : r.GetFieldValue<DateTimeOffset>(6), sources);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return new PipelineOverview(false, 0, 0, null, 0, 0, 0, 0, null, []); // Workers have not created the schema yet
        }
    }

    async Task<IReadOnlyList<SourceActivity>> ReadSourcesAsync(DateTimeOffset now, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(SourcesSql);
        command.Parameters.Add(new NpgsqlParameter { Value = now.AddHours(-1) });
        command.Parameters.Add(new NpgsqlParameter { Value = now.AddMinutes(-5) });
        await using var r = await command.ExecuteReaderAsync(ct);
        var sources = new List<SourceActivity>();
        while (await r.ReadAsync(ct)) sources.Add(new SourceActivity(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetFieldValue<DateTimeOffset>(3)));
        return sources;
    }
}
