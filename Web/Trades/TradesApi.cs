using System.Globalization;
using System.Security.Claims;
using System.Text;
using Trades.Csv;
using Web.Api;
using Web.Security;

namespace Web.Trades;

/// <summary>REST API over the trade pipeline's results: <c>/api/trades/…</c>.</summary>
public static class TradesApi
{
    /// <summary>The most trades a product chart loads by default (as the page did before; 100k measured interactive, docs/benchmarks.md).</summary>
    public const int PriceSeriesLimit = 200_000;

    public static RouteGroupBuilder MapTradesApi(this RouteGroupBuilder api)
    {
        var trades = api.MapGroup("/trades").WithTags("Trades");

        trades.MapGet("/products", async (TradeReports reports, string? deliveryDate, string? area, string? product, string? sort, string? offset, string? limit, CancellationToken ct) =>
        {
            var v = new QueryValidation();
            var filter = TradeFilter.From(v, deliveryDate, area, product);
            var (column, descending) = v.Sort(nameof(sort), sort, TradeReports.ProductSortKeys, "-totalVolume");
            var page = v.Page(offset, limit);
            return v.IsValid ? Results.Ok(await reports.ProductStatsAsync(filter, column, descending, page, ct)) : v.Problem();
        })
        .WithSummary("Statistics per financial product")
        .WithDescription("Filters: deliveryDate (yyyy-MM-dd, market day), area, product. sort: deliveryStart, product, area, tradeCount, avgPrice, vwap, totalVolume, minPrice, maxPrice, stddevPrice; '-' prefix for descending (default -totalVolume). offset (from 0), limit (1-1000, default 50). Prices in EUR/MWh, volumes in MWh.")
        .Produces<Paged<ProductStatsRow>>().ProducesValidationProblem();

        trades.MapGet("/products/export.csv", async (TradeReports reports, string? deliveryDate, string? area, string? product, string? sort, CancellationToken ct) =>
        {
            var v = new QueryValidation();
            var filter = TradeFilter.From(v, deliveryDate, area, product);
            var (column, descending) = v.Sort(nameof(sort), sort, TradeReports.ProductSortKeys, "-totalVolume");
            if (!v.IsValid) return v.Problem();
            var page = await reports.ProductStatsAsync(filter, column, descending, new PageRequest(0, 100_000), ct);
            return Results.File(Encoding.UTF8.GetBytes(ProductStatsCsv.Write(page.Items)), "text/csv", "product_stats.csv");
        })
        .WithSummary("Statistics per financial product as CSV (same filters and sort, up to 100,000 rows)")
        .Produces(200, contentType: "text/csv").ProducesValidationProblem();

        trades.MapGet("/products/trades", async (TradeReports reports, string? product, string? deliveryStart, string? deliveryEnd, string? area, string? offset, string? limit, CancellationToken ct) =>
        {
            var v = new QueryValidation();
            var key = ProductKey(v, product, deliveryStart, deliveryEnd, area);
            var page = v.Page(offset, limit, 100_000, 1_000_000);
            return v.IsValid ? Results.Ok(await reports.TradesOfProductAsync(key!, page, ct)) : v.Problem();
        })
        .WithSummary("Trades of one financial product (one point per TradeId) in execution order")
        .WithDescription("product, area, deliveryStart, deliveryEnd (ISO 8601) select the product; offset (from 0), limit (1-1,000,000, default 100,000).")
        .Produces<Paged<TradePoint>>().ProducesValidationProblem();

        trades.MapGet("/products/series", async (TradeReports reports, string? product, string? deliveryStart, string? deliveryEnd, string? area, string? limit, CancellationToken ct) =>
        {
            var v = new QueryValidation();
            var key = ProductKey(v, product, deliveryStart, deliveryEnd, area);
            var n = v.Int(nameof(limit), limit, PriceSeriesLimit, 1, 1_000_000);
            return v.IsValid ? Results.Ok(await reports.PriceSeriesAsync(key!, n, ct)) : v.Problem();
        })
        .WithSummary("Trades of one financial product as columns for charting: time (Unix seconds), price, volume, anomaly indexes")
        .WithDescription("The points of /products/trades (one per TradeId, execution order) as arrays; anomalies holds the indexes of trades flagged by any method. limit (1-1,000,000, default 200,000); complete is false when there were more trades.")
        .Produces<PriceSeries>().ProducesValidationProblem();

        trades.MapGet("/top", async (TradeReports reports, string? deliveryDate, string? area, string? offset, string? limit, CancellationToken ct) =>
        {
            var v = new QueryValidation();
            var filter = TradeFilter.From(v, deliveryDate, area, null);
            var page = v.Page(offset, limit, 5, 100);
            return v.IsValid ? Results.Ok(await reports.TopProductsAsync(filter, page, ct)) : v.Problem();
        })
        .WithSummary("Products ranked by total volume (MWh)")
        .WithDescription("Optional deliveryDate and area; offset (from 0), limit (1-100, default 5: the top 5). Ties are broken by product, delivery start, delivery end and area.")
        .Produces<Paged<TopProductRow>>().ProducesValidationProblem();

        trades.MapGet("/anomalies", async (TradeReports reports, string? deliveryDate, string? area, string? product, string? method, string? deliveryStart, string? deliveryEnd,
            string? offset, string? limit, CancellationToken ct) =>
        {
            var v = new QueryValidation();
            var filter = TradeFilter.From(v, deliveryDate, area, product);
            var m = v.OneOf(nameof(method), method, TradeReports.AnomalyMethods);
            FinancialProductKey? key = null;
            if (deliveryStart is not null || deliveryEnd is not null) key = ProductKey(v, product, deliveryStart, deliveryEnd, area);
            var page = v.Page(offset, limit);
            return v.IsValid ? Results.Ok(await reports.AnomaliesAsync(filter, m, key, page, ct)) : v.Problem();
        })
        .WithSummary("Price anomalies with method, score, threshold and reference value")
        .WithDescription($"Filters: deliveryDate, area, product, method ({string.Join(", ", TradeReports.AnomalyMethods)}); deliveryStart+deliveryEnd (with product and area) select one financial product. offset, limit (1-1000, default 50). Ordered by |score| descending.")
        .Produces<Paged<PriceAnomalyRow>>().ProducesValidationProblem();

        trades.MapGet("/quarantine", async (TradeReports reports, string? origin, string? offset, string? limit, CancellationToken ct) =>
        {
            var v = new QueryValidation();
            var page = v.Page(offset, limit);
            var o = v.Text(nameof(origin), origin, 300);
            return v.IsValid ? Results.Ok(await reports.QuarantineAsync(o, page, ct)) : v.Problem();
        })
        .WithSummary("Quarantined records: reason, where they came from and the payload as received (first 2 KB)")
        .WithDescription("origin (exact); offset (from 0), limit (1-1000, default 50); newest first.")
        .Produces<Paged<QuarantineRow>>().ProducesValidationProblem();

        trades.MapPost("/imports", async (HttpRequest request, TradeImport import, ClaimsPrincipal user, CancellationToken ct) =>
        {
            var (stream, name) = await CsvBodyAsync(request, ct);
            if (stream is null) return Results.Problem(title: "No CSV in the request", detail: "Send the exchange CSV as the body (Content-Type: text/csv) or as a multipart form file.", statusCode: 400);
            try
            {
                await using (stream) return Results.Ok(await import.ImportAsync(stream, name, user.Identity?.Name ?? "?", ct));
            }
            catch (TradeCsvFormatException e)
            {
                return Results.Problem(title: "The file is not a trades CSV", detail: e.Message, statusCode: 400);
            }
        })
        .RequireAuthorization(OperatorPolicy.ApiName)
        .WithSummary("Import a trades CSV (operators only)")
        .WithDescription("Body: the exchange CSV (optional '#' comment line, header, records) as text/csv, or as the file of a multipart/form-data form. Same validation and de-duplication as the stream path: received = inserted + duplicates + quarantined.")
        .Accepts<string>("text/csv", "multipart/form-data").Produces<ImportOutcome>().ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(415);

        return api;
    }

    static FinancialProductKey? ProductKey(QueryValidation v, string? product, string? deliveryStart, string? deliveryEnd, string? area)
    {
        var p = v.Code(nameof(product), product);
        var a = v.Code(nameof(area), area);
        var start = v.Instant(nameof(deliveryStart), deliveryStart);
        var end = v.Instant(nameof(deliveryEnd), deliveryEnd);
        if (string.IsNullOrWhiteSpace(product)) v.Fail(nameof(product), "is required to select a financial product.");
        if (string.IsNullOrWhiteSpace(area)) v.Fail(nameof(area), "is required to select a financial product.");
        if (string.IsNullOrWhiteSpace(deliveryStart)) v.Fail(nameof(deliveryStart), "is required to select a financial product.");
        if (string.IsNullOrWhiteSpace(deliveryEnd)) v.Fail(nameof(deliveryEnd), "is required to select a financial product.");
        if (start is { } s && end is { } e && e <= s) v.Fail(nameof(deliveryEnd), "must be after deliveryStart.");
        return p is null || a is null || start is null || end is null ? null : new FinancialProductKey(p, start.Value, end.Value, a);
    }

    static async Task<(Stream?, string)> CsvBodyAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(ct);
            return form.Files.Count == 0 ? (null, "") : (form.Files[0].OpenReadStream(), form.Files[0].FileName);
        }
        return request.ContentLength == 0 ? (null, "") : (request.Body, request.Headers["X-File-Name"].FirstOrDefault() ?? "upload.csv");
    }
}

/// <summary>The product statistics table as CSV (invariant culture, UTC ISO 8601 times), for the export button and API.</summary>
public static class ProductStatsCsv
{
    public static string Write(IEnumerable<ProductStatsRow> rows)
    {
        var sb = new StringBuilder("product,deliveryStart,deliveryEnd,deliveryArea,deliveryDate,tradeCount,avgPrice,vwap,avgVolume,totalVolume,minPrice,maxPrice,stddevPrice\n");
        foreach (var r in rows)
            sb.Append(CultureInfo.InvariantCulture, $"{Quote(r.Product)},{r.DeliveryStart.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ},{r.DeliveryEnd.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ},{Quote(r.DeliveryArea)},{r.DeliveryDate:yyyy-MM-dd},")
              .Append(CultureInfo.InvariantCulture, $"{r.TradeCount},{r.AvgPrice:R},{r.Vwap:R},{r.AvgVolume:R},{r.TotalVolume},{r.MinPrice},{r.MaxPrice},{r.StddevPrice?.ToString("R", CultureInfo.InvariantCulture)}\n");
        return sb.ToString();
    }

    static string Quote(string s) => s.IndexOfAny([',', '"', '\n', '\r']) < 0 ? s : "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
