using Grid.EnergyCharts;
using Grid.Storage;
using Grid.Transformations;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Grid;

/// <summary>
/// The country and bidding zone whose prices are compared with the country's wind (Germany is priced in DE-LU).
/// Other areas are ingested and transformed, only without price vs wind.
/// </summary>
public sealed record GridAreas
{
    public string Country { get; init; } = "de";
    public string BiddingZone { get; init; } = "DE-LU";
}

/// <summary>What one ingestion did: where it fetched from, and the merge's counts.</summary>
public sealed record IngestOutcome(string Dataset, string Area, string Url, int NullValues, MergeOutcome Merge);

/// <summary>
/// One fetch through bronze, silver and gold: GET the payload, read it, then in one transaction keep it raw, merge its
/// points (change data capture) and recompute the gold tables for the days it changed. A payload that does not read is
/// kept raw with the reason in a transaction of its own, and the ingestion fails with the parser's message: no point
/// of it is written. Every step repeats safely, so a retried ingestion changes nothing twice.
/// </summary>
public sealed class GridIngestion(EnergyChartsClient client, NpgsqlDataSource dataSource, GridAreas areas, ILogger<GridIngestion> logger)
{
    public async Task<IngestOutcome> IngestAsync(GridRequest request, CancellationToken ct)
    {
        using var span = GridTelemetry.Source.StartActivity("grid ingest");
        span?.SetTag("grid.dataset", request.Dataset);
        span?.SetTag("grid.area", request.Area);
        var payload = await client.FetchAsync(request, ct);
        return await StoreAsync(payload, ct);
    }

    public async Task<IngestOutcome> StoreAsync(FetchedPayload payload, CancellationToken ct)
    {
        var request = payload.Request;
        ParsedPayload parsed;
        try
        {
            parsed = EnergyChartsParser.Parse(payload);
        }
        catch (EnergyChartsShapeException e)
        {
            await using (var connection = await dataSource.OpenConnectionAsync(ct))
            await using (var rejected = await connection.BeginTransactionAsync(ct))
            {
                await GridStore.KeepRawAsync(connection, rejected, payload, e.Message, ct);
                await rejected.CommitAsync(ct);
            }
            GridTelemetry.Rejected.Add(1, new KeyValuePair<string, object?>("grid.dataset", request.Dataset));
            logger.LogError("rejected {Dataset} payload from {Url} (kept raw): {Reason}", request.Dataset, payload.Url, e.Message);
            throw;
        }

        MergeOutcome merge;
        await using (var connection = await dataSource.OpenConnectionAsync(ct))
        await using (var tx = await connection.BeginTransactionAsync(ct))
        {
            var fetchId = await GridStore.KeepRawAsync(connection, tx, payload, null, ct);
            merge = await GridStore.MergeAsync(connection, tx, payload, parsed, fetchId, ct);
            await TransformAsync(connection, tx, request, merge.ChangedDays, ct);
            await tx.CommitAsync(ct);
        }

        if (merge.MissingSeries.Count > 0)
            logger.LogWarning("{Dataset} {Area} from {Url} no longer has {Missing}: their stored points are kept unchanged",
                request.Dataset, request.Area, payload.Url, string.Join(", ", merge.MissingSeries));
        if (parsed.Deprecated)
            logger.LogWarning("Energy-Charts marks {Url} as deprecated", payload.Url);
        logger.LogInformation("{Dataset} {Area} {Url}: {Points} points, {Inserted} new, {Revised} revised, {Unchanged} unchanged, {Days} days recomputed",
            request.Dataset, request.Area, payload.Url, merge.Points, merge.Inserted, merge.Revised, merge.Unchanged, merge.ChangedDays.Count);
        return new IngestOutcome(request.Dataset, request.Area, payload.Url.ToString(), parsed.NullValues, merge);
    }

    Task TransformAsync(NpgsqlConnection connection, NpgsqlTransaction tx, GridRequest request, IReadOnlyList<DateOnly> days, CancellationToken ct) => request.Dataset switch
    {
        GridDataset.PublicPower => GridTransformations.RecomputePublicPowerAsync(connection, tx, request.Area,
            Same(request.Area, areas.Country) ? areas.BiddingZone : null, days, ct),
        GridDataset.Price when Same(request.Area, areas.BiddingZone) => GridTransformations.RecomputePriceWindAsync(connection, tx, areas.BiddingZone, areas.Country, days, ct),
        _ => Task.CompletedTask,
    };

    static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
