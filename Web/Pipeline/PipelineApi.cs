using Temporalio.Exceptions;
using Web.Api;
using Web.Security;

namespace Web.Pipeline;

public sealed record BackfillRequest(string? FirstDay, string? LastDay);

public static class PipelineApi
{
    /// <summary>A backfill covers at most this many delivery days (a year): larger ranges are split by the operator.</summary>
    const int MaxBackfillDays = 366;

    public static RouteGroupBuilder MapPipelineApi(this RouteGroupBuilder api)
    {
        var pipeline = api.MapGroup("/pipeline").WithTags("Pipeline");
        pipeline.MapGet("/status", (PipelineOverviewReader reader, CancellationToken ct) => reader.ReadAsync(ct))
            .WithSummary("Pipeline status: trades received, quarantined, results, data loss");

        pipeline.MapGet("/runs", async (PipelineRuns runs, string? status, string? offset, string? limit, CancellationToken ct) =>
        {
            var v = new QueryValidation();
            var s = v.OneOf(nameof(status), status, PipelineRuns.Statuses);
            var page = v.Page(offset, limit, 20, 100);
            return v.IsValid ? Results.Ok(await runs.ListAsync(s, page, ct)) : v.Problem();
        })
        .WithSummary("Workflow runs (from Temporal), most recent first, with links into the Temporal UI and their trace")
        .WithDescription($"status ({string.Join(", ", PipelineRuns.Statuses)}); offset (from 0), limit (1-100, default 20). total counts every run with that status: status=Failed gives the failed runs.")
        .Produces<Paged<PipelineRun>>().ProducesValidationProblem();

        pipeline.MapPost("/backfills", async (PipelineRuns runs, BackfillRequest body, CancellationToken ct) =>
        {
            var v = new QueryValidation();
            var first = v.Date("firstDay", body.FirstDay);
            var last = v.Date("lastDay", body.LastDay);
            if (string.IsNullOrWhiteSpace(body.FirstDay)) v.Fail("firstDay", "is required (the first delivery day, yyyy-MM-dd).");
            if (string.IsNullOrWhiteSpace(body.LastDay)) v.Fail("lastDay", "is required (the last delivery day, yyyy-MM-dd).");
            if (first is { } f && last is { } l && (l < f || l.DayNumber - f.DayNumber >= MaxBackfillDays))
                v.Fail("lastDay", $"must be on or after firstDay and at most {MaxBackfillDays} days after it.");
            if (!v.IsValid) return v.Problem();
            try
            {
                var started = await runs.StartBackfillAsync(first!.Value, last!.Value, ct);
                return Results.Accepted(started.TemporalUiUrl, started);
            }
            catch (WorkflowAlreadyStartedException e)
            {
                return Results.Problem(title: "A backfill of this range is already running", detail: $"workflow {e.WorkflowId} is running; watch it in the Temporal UI", statusCode: 409);
            }
        })
        .RequireAuthorization(OperatorPolicy.ApiName)
        .WithSummary("Start the trade pipeline over a range of delivery days (operators only); 409 while the same range runs")
        .Produces<BackfillStarted>(202).ProducesValidationProblem().ProducesProblem(401).ProducesProblem(403).ProducesProblem(409);
        return api;
    }
}
