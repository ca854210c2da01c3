using Npgsql;
using Trades.Analytics;
using Web.Api;

namespace Web.Trades;

public sealed record ProductStatsRow(string Product, DateTimeOffset DeliveryStart, DateTimeOffset DeliveryEnd, string DeliveryArea, DateOnly DeliveryDate,
    int TradeCount, double AvgPrice, double Vwap, double AvgVolume, decimal TotalVolume, decimal MinPrice, decimal MaxPrice, double? StddevPrice, DateTimeOffset ComputedAt);

public sealed record TopProductRow(int Rank, string Product, DateTimeOffset DeliveryStart, DateTimeOffset DeliveryEnd, string DeliveryArea, decimal TotalVolume, int TradeCount, double Vwap);

public sealed record PriceAnomalyRow(long TradeId, string Method, string Product, DateTimeOffset DeliveryStart, DateTimeOffset DeliveryEnd, string DeliveryArea,
    DateTimeOffset ExecutionTime, decimal Price, decimal Volume, double Score, double Threshold, double Reference, double? Confidence);

public sealed record QuarantineRow(long Id, string Origin, string Reason, string? Location, int Occurrences, DateTimeOffset FirstSeenAt, DateTimeOffset LastSeenAt, string Payload);

public sealed record TradePoint(long TradeId, DateTimeOffset ExecutionTime, decimal Price, decimal Volume);

/// <summary>
/// A product's trades as columns for a chart: execution time (Unix seconds), price (EUR/MWh), volume (MWh), and the
/// indexes of trades flagged as anomalies by any method. <c>Complete</c> is false when the series stopped at the limit.
/// </summary>
public sealed record PriceSeries(double[] Time, double[] Price, double[] Volume, int[] Anomalies, bool Complete);

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
    /// <summary>The detection methods' names as stored in <c>price_anomalies.method</c>, for the method filter.</summary>
    public static readonly IReadOnlyList<string> AnomalyMethods = [.. Enum.GetValues<AnomalyMethod>().Select(AnalysisOptions.Name)];

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
    public async Task<Paged<ProductStatsRow>> ProductStatsAsync(TradeFilter filter, string sortColumn, bool descending, PageRequest page, CancellationToken ct)
    {
        if (!ProductSortKeys.Values.Contains(sortColumn)) throw new ArgumentException($"unknown sort column {sortColumn}", nameof(sortColumn));
        var total = await CountAsync($"SELECT count(*) FROM pipeline.product_stats WHERE {Filter}", ct, filter.DeliveryDate, filter.Area, filter.Product);
        // Past the middle the page is read from the other end, so the index scan skips the fewer rows (the last page is as
        // cheap as the first), and turned back.
        long offset = page.Offset;
        var fromEnd = offset > total / 2;
        var (skip, take) = fromEnd ? (Math.Max(0, total - offset - page.Limit), Math.Clamp(total - offset, 0, page.Limit)) : (offset, page.Limit);
        await using var command = Command($"""
            SELECT {ProductColumns} FROM pipeline.product_stats
            WHERE {Filter}
            ORDER BY {ProductOrder(sortColumn, descending != fromEnd)}
            LIMIT $4 OFFSET $5
            """, filter.DeliveryDate, filter.Area, filter.Product, take, skip);
        var rows = new List<ProductStatsRow>();
        await using (var r = await command.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct)) rows.Add(ReadStats(r));
        if (fromEnd) rows.Reverse();
        return new Paged<ProductStatsRow>(rows, total, page);
    }

    static readonly string[] ProductKeyColumns = ["product", "delivery_start", "delivery_end", "delivery_area"];

    /// <summary>
    /// The sort column, then the rest of the primary key as tie-breaker, all in one direction: a descending sort reverses
    /// the whole key, so each sort key's index (Workers migration 005) serves both directions. Only stddev_price can be
    /// NULL; no value sorts before any value.
    /// </summary>
    static string ProductOrder(string column, bool descending) =>
        string.Join(", ", ProductKeyColumns.Where(c => c != column).Prepend(column).Select((c, i) =>
            $"{c} {(descending ? "DESC" : "ASC")}{(i == 0 && column == "stddev_price" ? (descending ? " NULLS LAST" : " NULLS FIRST") : "")}"));

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
    /// Products ranked by total volume, ties broken by product, delivery start, end and area (the order the workflow's
    /// ranking uses), computed over the stored statistics so any filter works; rank 1 is the largest.
    /// </summary>
    public Task<Paged<TopProductRow>> TopProductsAsync(TradeFilter filter, PageRequest page, CancellationToken ct) => PageAsync(
        "product, delivery_start, delivery_end, delivery_area, total_volume, trade_count, vwap",
        $"FROM pipeline.product_stats WHERE {Filter}",
        "total_volume DESC, product, delivery_start, delivery_end, delivery_area",
        [filter.DeliveryDate, filter.Area, filter.Product], page,
        (r, i) => new TopProductRow(page.Offset + i + 1, r.GetString(0), Utc(r, 1), Utc(r, 2), r.GetString(3), r.GetDecimal(4), r.GetInt32(5), r.GetDouble(6)), ct);

    public Task<Paged<PriceAnomalyRow>> AnomaliesAsync(TradeFilter filter, string? method, FinancialProductKey? product, PageRequest page, CancellationToken ct) => PageAsync(
        "trade_id, method, product, delivery_start, delivery_end, delivery_area, execution_time, price, volume, score, threshold, reference, confidence",
        $"""
        FROM pipeline.price_anomalies
        WHERE {Filter} AND ($4::text IS NULL OR method = $4)
          AND ($5::timestamptz IS NULL OR (delivery_start = $5 AND delivery_end = $6))
        """,
        "abs(score) DESC, execution_time, trade_id, method",
        [filter.DeliveryDate, filter.Area, product?.Product ?? filter.Product, method, product?.DeliveryStart, product?.DeliveryEnd], page,
        (r, _) => new PriceAnomalyRow(r.GetInt64(0), r.GetString(1), r.GetString(2), Utc(r, 3), Utc(r, 4), r.GetString(5), Utc(r, 6),
            r.GetDecimal(7), r.GetDecimal(8), r.GetDouble(9), r.GetDouble(10), r.GetDouble(11), r.IsDBNull(12) ? null : r.GetDouble(12)), ct);

    /// <summary>One point per trade (its SELL leg when both legs exist, as the statistics count it), in execution order.</summary>
    public Task<Paged<TradePoint>> TradesOfProductAsync(FinancialProductKey key, PageRequest page, CancellationToken ct) => PageAsync(
        "trade_id, execution_time, price, volume",
        """
        FROM (SELECT DISTINCT ON (trade_id) trade_id, execution_time, price, volume FROM pipeline.trades
              WHERE product = $1 AND delivery_start = $2 AND delivery_end = $3 AND delivery_area = $4
              ORDER BY trade_id, side DESC) t
        """,
        "execution_time, trade_id",
        [key.Product, key.DeliveryStart, key.DeliveryEnd, key.Area], page,
        (r, _) => new TradePoint(r.GetInt64(0), Utc(r, 1), r.GetDecimal(2), r.GetDecimal(3)), ct);

    /// <summary>
    /// The same points as <see cref="TradesOfProductAsync"/> as columns (no property names or ISO timestamps per point:
    /// 2.9 MB of JSON for 100k trades), for charts of up to <paramref name="limit"/> trades. date_part, not extract:
    /// extract's numeric result is slow to compute and convert on 100k rows.
    /// </summary>
    public async Task<PriceSeries> PriceSeriesAsync(FinancialProductKey key, int limit, CancellationToken ct)
    {
        await using var command = Command("""
            WITH anomalous AS (
                SELECT DISTINCT trade_id FROM pipeline.price_anomalies
                WHERE product = $1 AND delivery_start = $2 AND delivery_end = $3 AND delivery_area = $4)
            SELECT date_part('epoch', t.execution_time), t.price::float8, t.volume::float8, a.trade_id IS NOT NULL FROM (
                SELECT DISTINCT ON (trade_id) trade_id, execution_time, price, volume FROM pipeline.trades
                WHERE product = $1 AND delivery_start = $2 AND delivery_end = $3 AND delivery_area = $4
                ORDER BY trade_id, side DESC) t
            LEFT JOIN anomalous a USING (trade_id)
            ORDER BY t.execution_time, t.trade_id
            LIMIT $5
            """, key.Product, key.DeliveryStart, key.DeliveryEnd, key.Area, limit + 1);
        List<double> time = [], price = [], volume = [];
        List<int> anomalies = [];
        await using var r = await command.ExecuteReaderAsync(ct);
        while (time.Count < limit && await r.ReadAsync(ct))
        {
            if (r.GetBoolean(3)) anomalies.Add(time.Count);
            time.Add(r.GetDouble(0));
            price.Add(r.GetDouble(1));
            volume.Add(r.GetDouble(2));
        }
        var complete = !await r.ReadAsync(ct);
        return new PriceSeries([.. time], [.. price], [.. volume], [.. anomalies], complete);
    }

    // Payloads are shown as received; invalid UTF-8 becomes U+FFFD rather than failing the page.
    public Task<Paged<QuarantineRow>> QuarantineAsync(string? origin, PageRequest page, CancellationToken ct) => PageAsync(
        "id, origin, reason, location, occurrences, first_seen_at, last_seen_at, substring(payload from 1 for 2048)",
        "FROM pipeline.trade_quarantine WHERE ($1::text IS NULL OR origin = $1)",
        "last_seen_at DESC, id DESC",
        [origin], page,
        (r, _) => new QuarantineRow(r.GetInt64(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.GetInt32(4), Utc(r, 5), Utc(r, 6),
            System.Text.Encoding.UTF8.GetString(r.GetFieldValue<byte[]>(7))), ct);

    /// <summary>Distinct delivery areas and products with statistics, for the filter drop-downs.</summary>
    public async Task<(IReadOnlyList<string> Areas, IReadOnlyList<string> Products)> FilterChoicesAsync(CancellationToken ct)
    {
        var areas = new List<string>();
        var products = new List<string>();
        // Distinct values by skipping through the indexes that lead with them (a few index probes, not a scan of every product).
        await using var command = Command("""
            WITH RECURSIVE areas(v) AS (
                SELECT min(delivery_area) FROM pipeline.product_stats
                UNION ALL SELECT (SELECT min(delivery_area) FROM pipeline.product_stats WHERE delivery_area > v) FROM areas WHERE v IS NOT NULL),
            products(v) AS (
                SELECT min(product) FROM pipeline.product_stats
                UNION ALL SELECT (SELECT min(product) FROM pipeline.product_stats WHERE product > v) FROM products WHERE v IS NOT NULL)
            SELECT 'a', v FROM areas WHERE v IS NOT NULL
            UNION ALL SELECT 'p', v FROM products WHERE v IS NOT NULL
            ORDER BY 1, 2
            """);
        await using var r = await command.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) (r.GetString(0) == "a" ? areas : products).Add(r.GetString(1));
        return (areas, products);
    }

    /// <summary>
    /// One page of <c>SELECT <paramref name="columns"/> <paramref name="from"/> ORDER BY <paramref name="orderBy"/></c>
    /// with the count of all matching rows, carried by each row (<c>count(*) OVER ()</c>), or counted apart when the
    /// page lies past the last row. <paramref name="args"/> are $1…$n; the limit and offset follow them.
    /// </summary>
    async Task<Paged<T>> PageAsync<T>(string columns, string from, string orderBy, object?[] args, PageRequest page, Func<NpgsqlDataReader, int, T> read, CancellationToken ct)
    {
        await using var command = Command($"""
            SELECT {columns}, count(*) OVER () {from}
            ORDER BY {orderBy}
            LIMIT ${args.Length + 1} OFFSET ${args.Length + 2}
            """, [.. args, page.Limit, (long)page.Offset]);
        var rows = new List<T>();
        long total = 0;
        await using (var r = await command.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
            {
                rows.Add(read(r, rows.Count));
                total = r.GetInt64(r.FieldCount - 1);
            }
        if (rows.Count == 0 && page.Offset > 0) total = await CountAsync($"SELECT count(*) {from}", ct, args);
        return new Paged<T>(rows, total, page);
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
        r.GetDouble(6), r.GetDouble(7), r.GetDouble(8), r.GetDecimal(9), r.GetDecimal(10), r.GetDecimal(11), r.IsDBNull(12) ? null : r.GetDouble(12), Utc(r, 13));

    static DateTimeOffset Utc(NpgsqlDataReader r, int i) => r.GetFieldValue<DateTimeOffset>(i);
}
