using Npgsql;
using NpgsqlTypes;
using Trades.Analytics;

namespace Trades.Storage;

/// <summary>
/// Reads the trades of a delivery day and area, and replaces that partition's results (statistics, top products,
/// anomalies, findings) inside the caller's transaction: recomputing a partition twice leaves the same rows.
/// </summary>
public static class TradeResultStore
{
    const string ReadTrades = """
        SELECT trade_id, remote_trade_id, side, product, delivery_start, delivery_end, execution_time, delivery_area,
               trade_phase, user_defined_block, self_trade, price, currency, volume, volume_unit, order_id
        FROM pipeline.trades
        WHERE delivery_start >= $1 AND delivery_start < $2 AND delivery_area = $3
        ORDER BY execution_time, trade_id, side
        """;

    const string DeleteStats = "DELETE FROM pipeline.product_stats WHERE delivery_date = $1 AND delivery_area = $2";
    const string InsertStats = """
        INSERT INTO pipeline.product_stats (product, delivery_start, delivery_end, delivery_area, delivery_date, trade_count,
            avg_price, vwap, avg_volume, total_volume, min_price, max_price, stddev_price, run_id)
        SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::text[], $5::date[], $6::int[],
            $7::float8[], $8::float8[], $9::float8[], $10::numeric[], $11::numeric[], $12::numeric[], $13::float8[], $14::text[])
        """;

    const string DeleteTop = "DELETE FROM pipeline.top_products WHERE scope = $1 AND delivery_date = $2 AND delivery_area = $3";
    const string InsertTop = """
        INSERT INTO pipeline.top_products (scope, delivery_date, delivery_area, rank, product, delivery_start, delivery_end,
            product_area, total_volume, trade_count, vwap)
        SELECT $1, $2, $3, * FROM unnest($4::int[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::text[], $9::numeric[], $10::int[], $11::float8[])
        """;

    const string ReadAllStats = """
        SELECT product, delivery_start, delivery_end, delivery_area, trade_count, avg_price, vwap, avg_volume, total_volume,
               min_price, max_price, stddev_price
        FROM pipeline.product_stats
        """;

    const string DeleteAnomalies = "DELETE FROM pipeline.price_anomalies WHERE delivery_date = $1 AND delivery_area = $2";
    const string InsertAnomalies = """
        INSERT INTO pipeline.price_anomalies (trade_id, method, product, delivery_start, delivery_end, delivery_area, delivery_date,
            execution_time, price, volume, score, threshold, reference, confidence)
        SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::text[], $7::date[],
            $8::timestamptz[], $9::numeric[], $10::numeric[], $11::float8[], $12::float8[], $13::float8[], $14::float8[])
        ON CONFLICT (trade_id, method) DO UPDATE SET score = excluded.score, threshold = excluded.threshold, reference = excluded.reference,
            confidence = excluded.confidence, detected_at = now()
        """;

    const string UpsertFindings = """
        INSERT INTO pipeline.trade_findings (trade_id, kind, detail)
        SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[])
        ON CONFLICT (trade_id, kind) DO UPDATE SET detail = excluded.detail, found_at = now()
        """;

    public static async Task<List<Trade>> ReadPartitionAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, DateOnly day, string area, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(ReadTrades, connection, transaction);
        command.Parameters.Add(new() { Value = MarketTime.StartOfDayUtc(day), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = MarketTime.StartOfDayUtc(day.AddDays(1)), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = area });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var trades = new List<Trade>();
        while (await reader.ReadAsync(ct))
        {
            trades.Add(new Trade
            {
                TradeId = reader.GetInt64(0),
                RemoteTradeId = reader.GetString(1),
                Side = reader.GetString(2) == "BUY" ? TradeSide.Buy : TradeSide.Sell,
                Product = reader.GetString(3),
                DeliveryStart = reader.GetDateTime(4),
                DeliveryEnd = reader.GetDateTime(5),
                ExecutionTime = reader.GetDateTime(6),
                DeliveryArea = reader.GetString(7),
                TradePhase = reader.GetString(8),
                UserDefinedBlock = reader.GetString(9),
                SelfTrade = reader.GetString(10),
                Price = reader.GetDecimal(11),
                Currency = reader.GetString(12),
                Volume = reader.GetDecimal(13),
                VolumeUnit = reader.GetString(14),
                OrderId = reader.GetInt64(15),
            });
        }
        return trades;
    }

    /// <summary>Replaces a partition's statistics, its day-and-area top products and its findings.</summary>
    public static async Task ReplaceStatisticsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DateOnly day, string area,
        AnalysisResult result, string runId, CancellationToken ct)
    {
        await ExecuteAsync(connection, transaction, DeleteStats, ct, day, area);
        var stats = result.ProductStats;
        await ExecuteAsync(connection, transaction, InsertStats, ct,
            stats.Select(s => s.Product).ToArray(), stats.Select(s => s.DeliveryStart).ToArray(), stats.Select(s => s.DeliveryEnd).ToArray(),
            stats.Select(s => s.DeliveryArea).ToArray(), stats.Select(s => s.FinancialProduct.DeliveryDate).ToArray(), stats.Select(s => s.TradeCount).ToArray(),
            stats.Select(s => s.AvgPrice).ToArray(), stats.Select(s => s.Vwap).ToArray(), stats.Select(s => s.AvgVolume).ToArray(),
            stats.Select(s => s.TotalVolume).ToArray(), stats.Select(s => s.MinPrice).ToArray(), stats.Select(s => s.MaxPrice).ToArray(),
            stats.Select(s => s.StddevPrice).ToArray(), stats.Select(_ => runId).ToArray());
        var top = result.TopProducts.Where(t => t.Scope == TopProduct.DayAreaScope).ToList();
        await ReplaceTopAsync(connection, transaction, TopProduct.DayAreaScope, day, area, top, ct);
        if (result.Findings.Count > 0)
            await ExecuteAsync(connection, transaction, UpsertFindings, ct,
                result.Findings.Select(f => f.TradeId).ToArray(), result.Findings.Select(f => f.Kind).ToArray(), result.Findings.Select(f => f.Detail).ToArray());
    }

    /// <summary>Recomputes the overall top products from every stored statistic, with the library's ranking rules.</summary>
    public static async Task<int> ReplaceOverallTopAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int topCount, CancellationToken ct)
    {
        var stats = new List<ProductStats>();
        await using (var command = new NpgsqlCommand(ReadAllStats, connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                stats.Add(new ProductStats
                {
                    Product = reader.GetString(0),
                    DeliveryStart = reader.GetDateTime(1),
                    DeliveryEnd = reader.GetDateTime(2),
                    DeliveryArea = reader.GetString(3),
                    TradeCount = reader.GetInt32(4),
                    AvgPrice = reader.GetDouble(5),
                    Vwap = reader.GetDouble(6),
                    AvgVolume = reader.GetDouble(7),
                    TotalVolume = reader.GetDecimal(8),
                    MinPrice = reader.GetDecimal(9),
                    MaxPrice = reader.GetDecimal(10),
                    StddevPrice = reader.IsDBNull(11) ? null : reader.GetDouble(11),
                });
            }
        }
        var overall = TradeAnalytics.Rank(stats, topCount).Where(t => t.Scope == TopProduct.OverallScope).ToList();
        await ReplaceTopAsync(connection, transaction, TopProduct.OverallScope, DateOnly.MinValue, "*", overall, ct);
        return overall.Count;
    }

    /// <summary>Replaces a partition's anomalies (for every method: the current configuration decides what is stored).</summary>
    public static async Task ReplaceAnomaliesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DateOnly day, string area,
        IReadOnlyList<PriceAnomaly> anomalies, CancellationToken ct)
    {
        await ExecuteAsync(connection, transaction, DeleteAnomalies, ct, day, area);
        if (anomalies.Count == 0) return;
        await ExecuteAsync(connection, transaction, InsertAnomalies, ct,
            anomalies.Select(a => a.TradeId).ToArray(), anomalies.Select(a => a.Method).ToArray(), anomalies.Select(a => a.Product).ToArray(),
            anomalies.Select(a => a.DeliveryStart).ToArray(), anomalies.Select(a => a.DeliveryEnd).ToArray(), anomalies.Select(a => a.DeliveryArea).ToArray(),
            anomalies.Select(_ => day).ToArray(), anomalies.Select(a => a.ExecutionTime).ToArray(), anomalies.Select(a => a.Price).ToArray(),
            anomalies.Select(a => a.Volume).ToArray(), anomalies.Select(a => a.Score).ToArray(), anomalies.Select(a => a.Threshold).ToArray(),
            anomalies.Select(a => a.Reference).ToArray(), anomalies.Select(a => a.Confidence).ToArray());
    }

    static async Task ReplaceTopAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string scope, DateOnly day, string area, List<TopProduct> top, CancellationToken ct)
    {
        // DateOnly.MinValue stands for "all days" in the overall scope; Npgsql stores it as -infinity.
        await ExecuteAsync(connection, transaction, DeleteTop, ct, scope, day, area);
        if (top.Count == 0) return;
        await ExecuteAsync(connection, transaction, InsertTop, ct, scope, day, area,
            top.Select(t => t.Rank).ToArray(), top.Select(t => t.Product).ToArray(), top.Select(t => t.DeliveryStart).ToArray(),
            top.Select(t => t.DeliveryEnd).ToArray(), top.Select(t => t.DeliveryArea).ToArray(), top.Select(t => t.TotalVolume).ToArray(),
            top.Select(t => t.TradeCount).ToArray(), top.Select(t => t.Vwap).ToArray());
    }

    static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken ct, params object?[] args)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var arg in args) command.Parameters.Add(new() { Value = arg ?? DBNull.Value });
        await command.ExecuteNonQueryAsync(ct);
    }
}
