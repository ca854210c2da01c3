using Grid;
using Grid.EnergyCharts;
using Temporalio.Activities;
using Temporalio.Exceptions;
using Workflows.Grid;

namespace Workers.Grid;

/// <summary>
/// The grid workflow's activity: one Energy-Charts request through bronze, silver and gold (<see cref="GridIngestion"/>,
/// idempotent). A payload of another shape and a refused request (4xx) fail without retry; anything else (5xx after the
/// client's own retries, timeouts, the database) is retried by Temporal.
/// </summary>
public sealed class GridActivities(GridIngestion ingestion) : IGridActivities
{
    [Activity]
    public async Task<GridFetchOutcome> FetchAndMergeAsync(GridFetch fetch)
    {
        var ct = ActivityExecutionContext.Current.CancellationToken;
        var request = new GridRequest(fetch.Dataset, fetch.Area, fetch.FirstDay, fetch.LastDay);
        try
        {
            var merge = (await ingestion.IngestAsync(request, ct)).Merge;
            return new GridFetchOutcome(merge.Points, merge.Inserted, merge.Revised, merge.Unchanged, merge.ChangedDays.Count, merge.MissingSeries);
        }
        catch (EnergyChartsShapeException e)
        {
            throw new ApplicationFailureException(e.Message, GridIngestErrors.PayloadRejected, nonRetryable: true);
        }
        catch (EnergyChartsRequestException e) when (e.StatusCode is >= 400 and < 500 and not 408 and not 429)
        {
            throw new ApplicationFailureException(e.Message, GridIngestErrors.InvalidRequest, nonRetryable: true);
        }
    }
}
