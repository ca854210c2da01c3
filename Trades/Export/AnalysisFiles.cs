using System.Text.Json;
using System.Text.Json.Serialization;
using DuckDb;
using Trades.Analytics;

namespace Trades.Export;

/// <summary>
/// The analysis written as files: product_stats, top_products, anomalies (and data_quality) as JSON arrays with
/// camelCase fields, and the same three as Parquet through DuckDB. JSON goes through System.Text.Json rather than
/// DuckDB's COPY so timestamps keep the exchange's ISO-8601 "Z" form.
/// </summary>
public static class AnalysisFiles
{
    public const string ProductStats = "product_stats";
    public const string TopProducts = "top_products";
    public const string Anomalies = "anomalies";
    public const string DataQuality = "data_quality";

    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>Writes the JSON files; returns their paths.</summary>
    public static IReadOnlyList<string> WriteJson(string directory, AnalysisResult result)
    {
        Directory.CreateDirectory(directory);
        return
        [
            Write(ProductStats, result.ProductStats),
            Write(TopProducts, result.TopProducts),
            Write(Anomalies, result.Anomalies),
            Write(DataQuality, result.Findings),
        ];

        string Write<T>(string name, IReadOnlyList<T> rows)
        {
            var path = Path.Combine(directory, name + ".json");
            using var stream = File.Create(path);
            JsonSerializer.Serialize(stream, rows, JsonOptions);
            return path;
        }
    }

    /// <summary>Writes product_stats.parquet, top_products.parquet and anomalies.parquet (zstd); returns their paths.</summary>
    public static IReadOnlyList<string> WriteParquet(string directory, AnalysisResult result, DuckDbConnection? connection = null)
    {
        Directory.CreateDirectory(directory);
        var own = connection is null;
        connection ??= DuckDbConnection.OpenInMemory();
        try
        {
            return
            [
                ParquetTable.Write(connection, Path.Combine(directory, ProductStats + ".parquet"), result.ProductStats, StatsColumns<ProductStats>()),
                ParquetTable.Write(connection, Path.Combine(directory, TopProducts + ".parquet"), result.TopProducts,
                    [
                        new("scope", "VARCHAR", (c, col, row, t) => c.SetString(col, row, t.Scope)),
                        new("deliveryDate", "DATE", (c, col, row, t) => c.GetValues<int>(col)[row] = ParquetTable.Days(DateOnly.ParseExact(t.DeliveryDate, "yyyy-MM-dd"))),
                        new("rank", "INTEGER", (c, col, row, t) => c.GetValues<int>(col)[row] = t.Rank),
                        .. StatsColumns<TopProduct>(),
                    ]),
                ParquetTable.Write(connection, Path.Combine(directory, Anomalies + ".parquet"), result.Anomalies,
                    [
                        .. ProductColumns<PriceAnomaly>(a => (a.Product, a.DeliveryStart, a.DeliveryEnd, a.DeliveryArea)),
                        new("tradeId", "BIGINT", (c, col, row, a) => c.GetValues<long>(col)[row] = a.TradeId),
                        new("executionTime", "TIMESTAMP", (c, col, row, a) => c.GetValues<long>(col)[row] = ParquetTable.Micros(a.ExecutionTime)),
                        Double<PriceAnomaly>("price", a => a.Price),
                        Double<PriceAnomaly>("volume", a => a.Volume),
                        new("method", "VARCHAR", (c, col, row, a) => c.SetString(col, row, a.Method)),
                        Double<PriceAnomaly>("score", a => a.Score),
                        Double<PriceAnomaly>("threshold", a => a.Threshold),
                        Double<PriceAnomaly>("reference", a => a.Reference),
                    ]),
            ];
        }
        finally
        {
            if (own) connection.Dispose();
        }
    }

    private static ParquetColumn<T>[] StatsColumns<T>() where T : Analytics.ProductStats =>
    [
        .. ProductColumns<T>(s => (s.Product, s.DeliveryStart, s.DeliveryEnd, s.DeliveryArea)),
        new("tradeCount", "INTEGER", (c, col, row, s) => c.GetValues<int>(col)[row] = s.TradeCount),
        Double<T>("avgPrice", s => s.AvgPrice),
        Double<T>("vwap", s => s.Vwap),
        Double<T>("avgVolume", s => s.AvgVolume),
        Double<T>("totalVolume", s => s.TotalVolume),
        Double<T>("minPrice", s => s.MinPrice),
        Double<T>("maxPrice", s => s.MaxPrice),
        Double<T>("stddevPrice", s => s.StddevPrice),
    ];

    private static ParquetColumn<T>[] ProductColumns<T>(Func<T, (string Product, DateTime Start, DateTime End, string Area)> key) =>
    [
        new("product", "VARCHAR", (c, col, row, t) => c.SetString(col, row, key(t).Product)),
        new("deliveryStart", "TIMESTAMP", (c, col, row, t) => c.GetValues<long>(col)[row] = ParquetTable.Micros(key(t).Start)),
        new("deliveryEnd", "TIMESTAMP", (c, col, row, t) => c.GetValues<long>(col)[row] = ParquetTable.Micros(key(t).End)),
        new("deliveryArea", "VARCHAR", (c, col, row, t) => c.SetString(col, row, key(t).Area)),
    ];

    private static ParquetColumn<T> Double<T>(string name, Func<T, double?> value) => new(name, "DOUBLE", (c, col, row, t) =>
    {
        if (value(t) is { } v) c.GetValues<double>(col)[row] = v;
        else c.SetNull(col, row);
    });
}

/// <summary>How one column of a Parquet file is filled from a row object.</summary>
internal sealed record ParquetColumn<T>(string Name, string SqlType, Action<DuckDbDataChunk, int, int, T> Write);

internal static class ParquetTable
{
    public const string CopyOptions = "FORMAT parquet, COMPRESSION zstd";

    /// <summary>Loads the rows into a temporary DuckDB table through chunk appends and copies it to a Parquet file.</summary>
    public static string Write<T>(DuckDbConnection connection, string path, IReadOnlyList<T> rows, IReadOnlyList<ParquetColumn<T>> columns)
    {
        var table = "t_" + Guid.NewGuid().ToString("N");
        connection.Execute($"CREATE TEMP TABLE {table} ({string.Join(", ", columns.Select(c => $"{DuckDbConnection.Identifier(c.Name)} {c.SqlType}"))})");
        try
        {
            using (var appender = connection.CreateAppender(table))
            using (var chunk = appender.CreateChunk())
            {
                for (var start = 0; start < rows.Count; start += DuckDbDataChunk.Capacity)
                {
                    var count = Math.Min(DuckDbDataChunk.Capacity, rows.Count - start);
                    for (var column = 0; column < columns.Count; column++)
                        for (var i = 0; i < count; i++) columns[column].Write(chunk, column, i, rows[start + i]);
                    chunk.RowCount = count;
                    appender.AppendChunk(chunk);
                    chunk.Reset();
                }
                appender.Close();
            }
            connection.Execute($"COPY {table} TO {DuckDbConnection.Literal(path)} ({CopyOptions})");
            return path;
        }
        finally
        {
            connection.Execute($"DROP TABLE IF EXISTS {table}");
        }
    }

    private static readonly long EpochTicks = DateTime.UnixEpoch.Ticks;
    private static readonly int EpochDay = DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    /// <summary>DuckDB TIMESTAMP: microseconds since the Unix epoch.</summary>
    public static long Micros(DateTime utc) => (utc.Ticks - EpochTicks) / 10;

    /// <summary>DuckDB DATE: days since the Unix epoch.</summary>
    public static int Days(DateOnly date) => date.DayNumber - EpochDay;
}
