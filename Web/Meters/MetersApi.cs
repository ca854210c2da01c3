using Temporalio.Client;
using Temporalio.Exceptions;
using Web.Api;
using Web.Security;
using Workflows.Meters;

namespace Web.Meters;

public sealed record MeterRunRequest(string? From, string? To, IReadOnlyList<string>? Series);

public sealed record MeterRunStarted(string WorkflowId, string RunId);

/// <summary>REST API over the meter workflow's results: <c>/api/meters/…</c>.</summary>
public static class MetersApi
{
    public const int PointLimit = 20_000;

    public static RouteGroupBuilder MapMetersApi(this RouteGroupBuilder api)
    {
        var meters = api.MapGroup("/meters").WithTags("Meters");

        meters.MapGet("/series", async (MeterReports reports, CancellationToken ct) => new Listed<MeterSeriesRow>(await reports.SeriesAsync(ct)))
            .WithSummary("The cleaned series: grid points, measured and filled counts, first and last grid time")
            .Produces<Listed<MeterSeriesRow>>();

        meters.MapGet("/series/{device}/{signal}/points", async (MeterReports reports, string device, string signal, string? from, string? to, string? limit, CancellationToken ct) =>
        {
            var v = new QueryValidation();
            var (start, end) = (v.Instant(nameof(from), from), v.Instant(nameof(to), to));
            var n = v.Int(nameof(limit), limit, 2_000, 1, PointLimit);
            return v.IsValid ? Results.Ok(await reports.PointsAsync(device, signal, start?.UtcDateTime, end?.UtcDateTime, n, ct)) : v.Problem();
        })
        .WithSummary("Cleaned points of one series as columns: time (Unix seconds), value, method (measured, linear, forward-fill)")
        .WithDescription("The last `limit` grid points (1-20,000, default 2,000) in [from, to] (ISO 8601, both optional), ascending; complete is false when there were more.")
        .Produces<MeterPoints>().ProducesValidationProblem();

        meters.MapGet("/series/{device}/{signal}/completeness", async (MeterReports reports, string device, string signal, string? from, string? to, CancellationToken ct) =>
        {
            var v = new QueryValidation();
            var (start, end) = (v.Instant(nameof(from), from), v.Instant(nameof(to), to));
            return v.IsValid ? Results.Ok(new Listed<MeterCompletenessRow>(await reports.CompletenessAsync(device, signal, start?.UtcDateTime, end?.UtcDateTime, ct))) : v.Problem();
        })
        .WithSummary("Per hour: the series' grid points, how many were measured, and the measured share")
        .Produces<Listed<MeterCompletenessRow>>().ProducesValidationProblem();

        meters.MapGet("/runs", async (MeterReports reports, string? offset, string? limit, CancellationToken ct) =>
        {
            var v = new QueryValidation();
            var page = v.Page(offset, limit, defaultLimit: 20, maxLimit: 200);
            return v.IsValid ? Results.Ok(await reports.RunsAsync(page, ct)) : v.Problem();
        })
        .WithSummary("Meter workflow runs, newest first: status (failed when an error-level check failed), counts, failed checks")
        .Produces<Paged<MeterRunRow>>().ProducesValidationProblem();

        meters.MapGet("/runs/{runId}/checks", async (MeterReports reports, string runId, CancellationToken ct) =>
            await reports.ChecksAsync(runId, ct) is { } checks ? Results.Ok(new Listed<MeterCheckRow>(checks)) : Results.Problem(title: "No such run", detail: $"no meter run '{runId}'", statusCode: 404))
            .WithSummary("Every check result of one run (passed or not), in the order they ran")
            .Produces<Listed<MeterCheckRow>>().ProducesProblem(404);

        meters.MapPost("/runs", async (ITemporalClient temporal, MeterRunRequest body, CancellationToken ct) =>
        {
            var v = new QueryValidation();
            var (from, to) = (v.Instant("from", body.From), v.Instant("to", body.To));
            if (from is null && string.IsNullOrWhiteSpace(body.From)) v.Fail("from", "is required (ISO 8601).");
            if (to is null && string.IsNullOrWhiteSpace(body.To)) v.Fail("to", "is required (ISO 8601).");
            if (from is { } f && to is { } t && t < f) v.Fail("to", "must not be before from.");
            if (!v.IsValid) return v.Problem();
            var request = new MeterPipelineRequest { From = from!.Value.UtcDateTime, To = to!.Value.UtcDateTime, Series = body.Series };
            try
            {
                var handle = await temporal.StartWorkflowAsync((MeterPipelineWorkflow w) => w.RunAsync(request),
                    new WorkflowOptions(MeterPipelineWorkflow.OnDemandId(request.From.Value, request.To.Value), MeterPipelineWorkflow.TaskQueue) { Rpc = new RpcOptions { CancellationToken = ct } });
                return Results.Accepted(value: new MeterRunStarted(handle.Id, handle.ResultRunId!));
            }
            catch (WorkflowAlreadyStartedException e)
            {
                return Results.Problem(title: "A run of this range is already running", detail: $"workflow {e.WorkflowId} is running; watch it in the Temporal UI", statusCode: 409);
            }
        })
        .RequireAuthorization(OperatorPolicy.ApiName)
        .WithSummary("Process new raw records and clean, check and export a time range again (operators only); 409 while the same range runs")
        .Produces<MeterRunStarted>(202).ProducesValidationProblem().ProducesProblem(401).ProducesProblem(403).ProducesProblem(409);
        return api;
    }
}
