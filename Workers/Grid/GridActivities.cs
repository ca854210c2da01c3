using Grid;
using Grid.EnergyCharts;
using Grid.Lake;
using Temporalio.Activities;
using Temporalio.Exceptions;
using Workflows;
using Workflows.Grid;

namespace Workers.Grid;

/// <summary>
/// The grid workflow's activity: one Energy-Charts request through bronze, silver and gold (<see cref="GridIngestion"/>,
/// idempotent). A payload of another shape and a refused request (4xx) fail without retry; anything else (5xx after the
/// client's own retries, timeouts, the database) is retried by Temporal. The export writes the changed partitions'
/// Parquet to the lake (<see cref="GridLakeExport"/>, idempotent).
/// </summary>
public sealed class GridActivities(GridIngestion ingestion, GridLakeExport lake) : IGridActivities
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
            throw new ApplicationFailureException(e.Message, WorkflowErrors.InvalidRequest, nonRetryable: true);
        }
    }

    [Activity]
    public async Task<GridExported> ExportAsync(GridExport export)
    {
        var outcome = await lake.ExportAsync(new GridExportRequest(export.Dataset, export.Area, export.FirstDay, export.LastDay, export.FetchedSince),
            ActivityExecutionContext.Current.CancellationToken);
        return new GridExported(outcome.Partitions, outcome.Exported, outcome.Rows, outcome.ManifestKey);
    }
}
