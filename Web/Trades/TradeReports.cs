using Npgsql;
using Web.Api;

namespace Web.Trades;

public sealed record ProductStatsRow(string Product, DateTimeOffset DeliveryStart, DateTimeOffset DeliveryEnd, string DeliveryArea, DateOnly DeliveryDate,
    int TradeCount, double AvgPrice, double Vwap, double AvgVolume, double TotalVolume, double MinPrice, double MaxPrice, double? StddevPrice, DateTimeOffset ComputedAt);

public sealed record TopProductRow(int Rank, string Product, DateTimeOffset DeliveryStart, DateTimeOffset DeliveryEnd, string DeliveryArea, double TotalVolume, int TradeCount, double Vwap);

public sealed record PriceAnomalyRow(long TradeId, string Method, string Product, DateTimeOffset DeliveryStart, DateTimeOffset DeliveryEnd, string DeliveryArea,
    DateTimeOffset ExecutionTime, double Price, double Volume, double Score, double Threshold, double Reference);

public sealed record QuarantineRow(long Id, string Origin, string Reason, string? Location, int Occurrences, DateTimeOffset FirstSeenAt, DateTimeOffset LastSeenAt, string Payload);

public sealed record TradePoint(long TradeId, DateTimeOffset ExecutionTime, double Price, double Volume);

/// <summary>Filters shared by the statistics, top-products and anomaly reports; all optional, combined with AND.</summary>
public sealed record TradeFilter(DateOnly? DeliveryDate, string? Area, string? Product)
{
    public static TradeFilter From(QueryValidation v, string? deliveryDate, string? area, string? product) =>
        new(v.Date("deliveryDate", deliveryDate), v.Code("area", area), v.Code("product", product));
}

/// <summary>A financial product: Product × DeliveryStart × DeliveryEnd × DeliveryArea.</summary>
public sealed record FinancialProductKey(string Product, DateTimeOffset DeliveryStart, DateTimeOffset DeliveryEnd, string Area);

/// <summary>Reads the trade pipeline's results (schema <c>pipeline</c>, written by Workers) for the API and the pages.</summary>
public sealed class TradeReports(NpgsqlDataSource dataSource)
{
    public static readonly IReadOnlyDictionary<string, string> ProductSortKeys = new Dictionary<string, string>
    {
        ["deliveryStart"] = "delivery_start",
        ["product"] = "product",
        ["area"] = "delivery_area",
        ["tradeCount"] = "trade_count",
        ["avgPrice"] = "avg_price",
        ["vwap"] = "vwap",
        ["totalVolume"] = "total_volume",
        ["minPrice"] = "min_price",
        ["maxPrice"] = "max_price",
        ["stddevPrice"] = "stddev_price",
    };

    const string Filter = """
        ($1::date IS NULL OR delivery_date = $1) AND ($2::text IS NULL OR delivery_area = $2) AND ($3::text IS NULL OR product = $3)
        """;

    const string ProductColumns = """
        product, delivery_start, delivery_end, delivery_area, delivery_date, trade_count, avg_price, vwap, avg_volume, total_volume,
        min_price, max_price, stddev_price, computed_at
        """;

    /// <param name="sortColumn">A column from <see cref="ProductSortKeys"/>'s values (never user text).</param>
    public async Task<Paged<ProductStatsRow>> ProductStatsAsync(TradeFilter filter, string sortColumn, bool descending, int page, int pageSize, CancellationToken ct)
    {
        if (!ProductSortKeys.Values.Contains(sortColumn)) throw new ArgumentException($"unknown sort column {sortColumn}", nameof(sortColumn));
        var sql = $"""
            SELECT {ProductColumns}, count(*) OVER () FROM pipeline.product_stats
            WHERE {Filter}
            ORDER BY {sortColumn} {(descending ? "DESC NULLS LAST" : "ASC NULLS FIRST")}, product, delivery_start, delivery_end, delivery_area
            LIMIT $4 OFFSET $5
            """;
        await using var command = Command(sql, filter.DeliveryDate, filter.Area, filter.Product, pageSize, (long)(page - 1) * pageSize);
        var rows = new List<ProductStatsRow>();
        long total = 0;
        await using (var r = await command.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
            {
                rows.Add(ReadStats(r));
                total = r.GetInt64(14);
            }
        if (rows.Count == 0 && page > 1) total = await CountAsync($"SELECT count(*) FROM pipeline.product_stats WHERE {Filter}", ct, filter.DeliveryDate, filter.Area, filter.Product);
        return new Paged<ProductStatsRow>(rows, total, page, pageSize);
    }

    public async Task<ProductStatsRow?> ProductAsync(FinancialProductKey key, CancellationToken ct)
    {
        await using var command = Command($"""
            SELECT {ProductColumns} FROM pipeline.product_stats
            WHERE product = $1 AND delivery_start = $2 AND delivery_end = $3 AND delivery_area = $4
            """, key.Product, key.DeliveryStart, key.DeliveryEnd, key.Area);
        await using var r = await command.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? ReadStats(r) : null;
    }

    /// <summary>
    /// The <paramref name="n"/> products with the largest total volume, ties broken by product, delivery start, end
    /// and area (the order the workflow's ranking uses), computed over the stored statistics so any filter works.
    /// </summary>
    public async Task<IReadOnlyList<TopProductRow>> TopProductsAsync(TradeFilter filter, int n, CancellationToken ct)
    {
        await using var command = Command($"""
            SELECT product, delivery_start, delivery_end, delivery_area, total_volume, trade_count, vwap FROM pipeline.product_stats
            WHERE {Filter}
            ORDER BY total_volume DESC, product, delivery_start, delivery_end, delivery_area
            LIMIT $4
            """, filter.DeliveryDate, filter.Area, filter.Product, n);
        var rows = new List<TopProductRow>();
        await using var r = await command.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            rows.Add(new(rows.Count + 1, r.GetString(0), Utc(r, 1), Utc(r, 2), r.GetString(3), r.GetDouble(4), r.GetInt32(5), r.GetDouble(6)));
        return rows;
    }

    public async Task<Paged<PriceAnomalyRow>> AnomaliesAsync(TradeFilter filter, string? method, FinancialProductKey? product, int page, int pageSize, CancellationToken ct)
    {
        await using var command = Command($"""
            SELECT trade_id, method, product, delivery_start, delivery_end, delivery_area, execution_time, price, volume, score, threshold, reference,
                   count(*) OVER ()
            FROM pipeline.price_anomalies
            WHERE {Filter} AND ($4::text IS NULL OR method = $4)
              AND ($5::timestamptz IS NULL OR (delivery_start = $5 AND delivery_end = $6))
            ORDER BY abs(score) DESC, execution_time, trade_id, method
            LIMIT $7 OFFSET $8
            """, filter.DeliveryDate, filter.Area, product?.Product ?? filter.Product, method, product?.DeliveryStart, product?.DeliveryEnd, pageSize, (long)(page - 1) * pageSize);
        var rows = new List<PriceAnomalyRow>();
        long total = 0;
        await using var r = await command.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            rows.Add(new(r.GetInt64(0), r.GetString(1), r.GetString(2), Utc(r, 3), Utc(r, 4), r.GetString(5), Utc(r, 6),
                r.GetDouble(7), r.GetDouble(8), r.GetDouble(9), r.GetDouble(10), r.GetDouble(11)));
            total = r.GetInt64(12);
        }
        return new Paged<PriceAnomalyRow>(rows, total, page, pageSize);
    }

    /// <summary>One point per trade (its SELL leg when both legs exist, as the statistics count it), in execution order.</summary>
    public async Task<IReadOnlyList<TradePoint>> TradesOfProductAsync(FinancialProductKey key, int limit, CancellationToken ct)
    {
        await using var command = Command("""
            SELECT trade_id, execution_time, price::float8, volume::float8 FROM (
                SELECT DISTINCT ON (trade_id) trade_id, execution_time, price, volume FROM pipeline.trades
                WHERE product = $1 AND delivery_start = $2 AND delivery_end = $3 AND delivery_area = $4
                ORDER BY trade_id, side DESC) t
            ORDER BY execution_time, trade_id
            LIMIT $5
            """, key.Product, key.DeliveryStart, key.DeliveryEnd, key.Area, limit);
        var points = new List<TradePoint>();
        await using var r = await command.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) points.Add(new(r.GetInt64(0), Utc(r, 1), r.GetDouble(2), r.GetDouble(3)));
        return points;
    }

    public async Task<Paged<QuarantineRow>> QuarantineAsync(string? origin, int page, int pageSize, CancellationToken ct)
    {
        await using var command = Command("""
            SELECT id, origin, reason, location, occurrences, first_seen_at, last_seen_at, substring(payload from 1 for 2048), count(*) OVER ()
            FROM pipeline.trade_quarantine
            WHERE ($1::text IS NULL OR origin = $1)
            ORDER BY last_seen_at DESC, id DESC
            LIMIT $2 OFFSET $3
            """, origin, pageSize, (long)(page - 1) * pageSize);
        var rows = new List<QuarantineRow>();
        long total = 0;
        await using var r = await command.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            // Payloads are shown as received; invalid UTF-8 becomes U+FFFD rather than failing the page.
            rows.Add(new(r.GetInt64(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.GetInt32(4), Utc(r, 5), Utc(r, 6),
                System.Text.Encoding.UTF8.GetString(r.GetFieldValue<byte[]>(7))));
            total = r.GetInt64(8);
        }
        return new Paged<QuarantineRow>(rows, total, page, pageSize);
    }

    /// <summary>Distinct delivery areas and products with statistics, for the filter drop-downs.</summary>
    public async Task<(IReadOnlyList<string> Areas, IReadOnlyList<string> Products)> FilterChoicesAsync(CancellationToken ct)
    {
        var areas = new List<string>();
        var products = new List<string>();
        await using var command = Command("""
            SELECT 'a', delivery_area FROM (SELECT DISTINCT delivery_area FROM pipeline.product_stats) a
            UNION ALL SELECT 'p', product FROM (SELECT DISTINCT product FROM pipeline.product_stats) p
            ORDER BY 1, 2
            """);
        await using var r = await command.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) (r.GetString(0) == "a" ? areas : products).Add(r.GetString(1));
        return (areas, products);
    }

    NpgsqlCommand Command(string sql, params object?[] args)
    {
        var command = dataSource.CreateCommand(sql);
        foreach (var arg in args) command.Parameters.Add(new NpgsqlParameter { Value = arg ?? DBNull.Value });
        return command;
    }

    async Task<long> CountAsync(string sql, CancellationToken ct, params object?[] args)
    {
        await using var command = Command(sql, args);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    static ProductStatsRow ReadStats(NpgsqlDataReader r) => new(r.GetString(0), Utc(r, 1), Utc(r, 2), r.GetString(3), r.GetFieldValue<DateOnly>(4), r.GetInt32(5),
        r.GetDouble(6), r.GetDouble(7), r.GetDouble(8), r.GetDouble(9), r.GetDouble(10), r.GetDouble(11), r.IsDBNull(12) ? null : r.GetDouble(12), Utc(r, 13));

    static DateTimeOffset Utc(NpgsqlDataReader r, int i) => r.GetFieldValue<DateTimeOffset>(i);
}
