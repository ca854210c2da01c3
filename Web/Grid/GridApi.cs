using Grid;
using Web.Api;

namespace Web.Grid;

/// <summary>REST API over the Energy-Charts pipeline: <c>/api/grid/…</c> (docs/grid.md).</summary>
public static class GridApi
{
    public const int MaxDays = 3660;

    /// <summary>The reports behind the endpoints and pages, reading the configured <c>Grid:Country</c> and <c>Grid:BiddingZone</c>.</summary>
    public static IHostApplicationBuilder AddGridReports(this IHostApplicationBuilder builder)
    {
        var grid = builder.Configuration.GetSection("Grid");
        builder.Services.AddSingleton(new GridAreas { Country = grid["Country"] ?? "de", BiddingZone = grid["BiddingZone"] ?? "DE-LU" });
        builder.Services.AddSingleton<GridReports>();
        return builder;
    }

    public static RouteGroupBuilder MapGridApi(this RouteGroupBuilder api)
    {
        var grid = api.MapGroup("/grid").WithTags("Grid");

        grid.MapGet("/changes", async (GridReports reports, string? from, string? to, string? type, string? offset, string? limit, CancellationToken ct) =>
        {
            var v = new QueryValidation();
            var (first, last) = (v.Date(nameof(from), from), v.Date(nameof(to), to));
            if (first > last) v.Fail(nameof(to), $"'{to}' is before from '{from}'.");
            var series = Series(v, type);
            var page = v.Page(offset, limit);
            return v.IsValid ? Results.Ok(await reports.ChangesAsync(first, last, series, page, ct)) : v.Problem();
        })
        .WithSummary("The change log: every revision of an Energy-Charts point, old value → new value")
        .WithDescription("Filters: from, to (yyyy-MM-dd, local days of the revised points, Europe/Berlin, inclusive), type (production type, e.g. Biomass). Newest revisions first. offset (from 0), limit (1-1000, default 50); total counts every matching revision.")
        .Produces<Paged<GridChangeRow>>().ProducesValidationProblem();

        grid.MapGet("/production", async (GridReports reports, string? from, string? to, CancellationToken ct) =>
        {
            var v = new QueryValidation();
            var (first, last) = Range(v, from, to);
            return v.IsValid ? Results.Ok(new Listed<DailyProductionRow>(await reports.ProductionAsync(first, last, ct))) : v.Problem();
        })
        .WithSummary("Daily net production per production type (MWh, mean MW)")
        .WithDescription("from, to: local days (yyyy-MM-dd), inclusive, at most 3660 days. Consumption (pumped storage) is negative.")
        .Produces<Listed<DailyProductionRow>>().ProducesValidationProblem();

        grid.MapGet("/price-wind", async (GridReports reports, string? from, string? to, CancellationToken ct) =>
        {
            var v = new QueryValidation();
            var (first, last) = Range(v, from, to);
            return v.IsValid ? Results.Ok(await reports.PriceWindAsync(first, last, ct)) : v.Problem();
        })
        .WithSummary("Daily mean day-ahead price against onshore and offshore wind energy, with their Pearson correlations over the range")
        .WithDescription("from, to: local days (yyyy-MM-dd), inclusive. A correlation is null when the range has fewer than two days with both values or one of them is constant.")
        .Produces<PriceWindReport>().ProducesValidationProblem();
        return api;
    }

    static (DateOnly First, DateOnly Last) Range(QueryValidation v, string? from, string? to)
    {
        var (first, last) = (v.Date(nameof(from), from), v.Date(nameof(to), to));
        if (first is null && v.IsValid) v.Fail(nameof(from), "is required (yyyy-MM-dd).");
        if (last is null && v.IsValid) v.Fail(nameof(to), "is required (yyyy-MM-dd).");
        if (first is { } f && last is { } l && (l < f || l.DayNumber - f.DayNumber >= MaxDays)) v.Fail(nameof(to), $"'{to}' must be on or after from and within {MaxDays} days of it.");
        return (first ?? default, last ?? default);
    }

    /// <summary>A production type as Energy-Charts names it: letters, digits, spaces and / - ( ) , . at most 64 characters.</summary>
    static string? Series(QueryValidation v, string? type)
    {
        if (string.IsNullOrWhiteSpace(type)) return null;
        if (type.Length <= 64 && type.All(c => char.IsLetterOrDigit(c) || c is ' ' or '/' or '-' or '(' or ')' or ',' or '.')) return type;
        v.Fail(nameof(type), $"'{type}' is not a production type name (letters, digits, spaces and / - ( ) , . at most 64 characters).");
        return null;
    }
}
