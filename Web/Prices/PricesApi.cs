using Microsoft.Extensions.DependencyInjection.Extensions;
using Temporalio.Exceptions;
using Web.Api;
using Web.Security;
using Workflows.Prices;

namespace Web.Prices;

/// <summary>The body of POST /api/prices/reports: both optional (topic "prices", threshold 3).</summary>
public sealed record PriceReportStartRequest(string? Topic, double? Threshold);

/// <summary>REST API over the price reports: <c>/api/prices/…</c>.</summary>
public static class PricesApi
{
    public static IServiceCollection AddPriceReports(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        return services.AddSingleton<PriceReports>();
    }

    public static RouteGroupBuilder MapPricesApi(this RouteGroupBuilder api)
    {
        var prices = api.MapGroup("/prices").WithTags("Price ticks");

        prices.MapGet("/reports", async (PriceReports reports, string? offset, string? limit, CancellationToken ct) =>
        {
            var v = new QueryValidation();
            var page = v.Page(offset, limit);
            return v.IsValid ? Results.Ok(await reports.ListAsync(page, ct)) : v.Problem();
        })
        .WithSummary("Price reports, latest first")
        .WithDescription("Each report read the topic from its earliest offsets up to the high-water marks when it started. offset (from 0), limit (1-1000, default 50).")
        .Produces<Paged<PriceReportRow>>().ProducesValidationProblem();

        prices.MapGet("/reports/latest", async (PriceReports reports, CancellationToken ct) =>
            await reports.DetailAsync(null, ct) is { } detail ? Results.Ok(detail) : NoReport("No price report has been stored yet.", "The report runs every 5 minutes; POST /api/prices/reports starts one now."))
        .WithSummary("The latest price report: counts, per-symbol min/max/mean/sample standard deviation, offsets read, first rejected messages")
        .Produces<PriceReportDetail>().ProducesProblem(404);

        prices.MapGet("/reports/{reportId}", async (PriceReports reports, string reportId, CancellationToken ct) =>
        {
            var v = new QueryValidation();
            var id = ReportId(v, reportId);
            if (!v.IsValid) return v.Problem();
            return await reports.DetailAsync(id, ct) is { } detail ? Results.Ok(detail) : NoReport($"There is no price report '{id}'.", "GET /api/prices/reports lists them.");
        })
        .WithSummary("One price report: counts, per-symbol statistics, offsets read, first rejected messages")
        .Produces<PriceReportDetail>().ProducesValidationProblem().ProducesProblem(404);

        prices.MapGet("/reports/{reportId}/outliers", async (PriceReports reports, string reportId, string? symbol, string? offset, string? limit, CancellationToken ct) =>
        {
            var v = new QueryValidation();
            var id = ReportId(v, reportId);
            var s = v.Code(nameof(symbol), symbol);
            var page = v.Page(offset, limit);
            if (!v.IsValid) return v.Problem();
            return await reports.OutliersAsync(id!, s, page, ct) is { } outliers ? Results.Ok(outliers) : NoReport($"There is no price report '{id}'.", "GET /api/prices/reports lists them.");
        })
        .WithSummary("A report's outliers (timestamp, symbol, price, z), largest |z| first")
        .WithDescription("z = (price - mean) / sample standard deviation of the tick's symbol over the whole report (the report's zScoreBasis says so); outliers have |z| above the report's threshold. symbol filters; offset (from 0), limit (1-1000, default 50).")
        .Produces<Paged<PriceOutlierRow>>().ProducesValidationProblem().ProducesProblem(404);

        prices.MapPost("/reports", async (PriceReports reports, PriceReportStartRequest? body, CancellationToken ct) =>
        {
            var v = new QueryValidation();
            var topic = v.Code("topic", body?.Topic) ?? "prices";
            var threshold = body?.Threshold ?? 3;
            if (!(threshold > 0) || !double.IsFinite(threshold)) v.Fail("threshold", "must be a number greater than 0 (|z| above it is an outlier).");
            if (!v.IsValid) return v.Problem();
            try
            {
                var started = await reports.StartAsync(new PriceReportRequest { Topic = topic, Threshold = threshold }, ct);
                return Results.Accepted($"/api/prices/reports/{Uri.EscapeDataString(started.ReportId)}", started);
            }
            catch (WorkflowAlreadyStartedException e)
            {
                return Results.Problem(title: "A report with this ID is already running", detail: $"workflow {e.WorkflowId} is running; try again in a moment", statusCode: 409);
            }
        })
        .RequireAuthorization(OperatorPolicy.ApiName)
        .WithSummary("Run the price report now (operators only); the report is stored under the returned reportId when the workflow completes")
        .Accepts<PriceReportStartRequest>("application/json")
        .Produces<PriceReportStarted>(202).ProducesValidationProblem().ProducesProblem(401).ProducesProblem(403).ProducesProblem(409);

        return api;
    }

    static string? ReportId(QueryValidation v, string reportId)
    {
        if (reportId.Length <= 200 && reportId.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or ':')) return reportId;
        v.Fail(nameof(reportId), "is not a report ID (letters, digits, '_', '-', '.', ':', at most 200 characters).");
        return null;
    }

    static IResult NoReport(string title, string detail) => Results.Problem(title: title, detail: detail, statusCode: 404);
}
