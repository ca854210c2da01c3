using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Formats.Lake;
using Trades.Analytics;

namespace Trades.Export;

/// <summary>
/// The analysis written as files: product_stats, top_products, anomalies (and data_quality) as JSON arrays with
/// camelCase fields, and the same three as Parquet (the column types of <see cref="ParquetColumn{T}"/>).
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
    public static async Task<IReadOnlyList<string>> WriteParquetAsync(string directory, AnalysisResult result, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(directory);
        return
        [
            await WriteAsync(ProductStats, StatsFile, result.ProductStats),
            await WriteAsync(TopProducts, TopProductsFile, result.TopProducts),
            await WriteAsync(Anomalies, AnomaliesFile, result.Anomalies),
        ];

        async Task<string> WriteAsync<T>(string name, ParquetTable<T> table, IReadOnlyList<T> rows)
        {
            var path = Path.Combine(directory, name + ".parquet");
            await table.WriteAsync(path, rows, cancellationToken);
            return path;
        }
    }

    /// <summary>
    /// The three Parquet files as the lake's catalog lists them: Workers upload each partition's file as
    /// <c>&lt;name&gt;/deliveryDate=…/deliveryArea=…/data_0.parquet</c>.
    /// </summary>
    public static IReadOnlyList<LakeDataset> Datasets =>
    [
        Dataset(ProductStats, "Statistics per financial product", StatsFile),
        Dataset(TopProducts, "Top products by volume, overall and per delivery day and area", TopProductsFile),
        Dataset(Anomalies, "Trades whose price is anomalous for their product, with score, threshold and confidence", AnomaliesFile),
    ];

    private static LakeDataset Dataset<T>(string name, string description, ParquetTable<T> file) =>
        new(name, description, $"{name}/deliveryDate={{deliveryDate}}/deliveryArea={{deliveryArea}}/", file.Schema.GetDataFields());

    private static readonly ParquetTable<ProductStats> StatsFile = new([.. StatsColumns<ProductStats>()]);

    private static readonly ParquetTable<TopProduct> TopProductsFile = new(
    [
        ParquetColumn<TopProduct>.Text("scope", t => t.Scope),
        ParquetColumn<TopProduct>.Date("deliveryDate", t => DateOnly.ParseExact(t.DeliveryDate, "yyyy-MM-dd", CultureInfo.InvariantCulture)),
        ParquetColumn<TopProduct>.Int32("rank", t => t.Rank),
        .. StatsColumns<TopProduct>(),
    ]);

    private static readonly ParquetTable<PriceAnomaly> AnomaliesFile = new(
    [
        .. ProductColumns<PriceAnomaly>(a => (a.Product, a.DeliveryStart, a.DeliveryEnd, a.DeliveryArea)),
        ParquetColumn<PriceAnomaly>.Int64("tradeId", a => a.TradeId),
        ParquetColumn<PriceAnomaly>.Timestamp("executionTime", a => a.ExecutionTime),
        ParquetColumn<PriceAnomaly>.Decimal("price", TradeDecimals.Precision, TradeDecimals.Scale, a => a.Price),
        ParquetColumn<PriceAnomaly>.Decimal("volume", TradeDecimals.Precision, TradeDecimals.Scale, a => a.Volume),
        ParquetColumn<PriceAnomaly>.Text("method", a => a.Method),
        ParquetColumn<PriceAnomaly>.Double("score", a => a.Score),
        ParquetColumn<PriceAnomaly>.Double("threshold", a => a.Threshold),
        ParquetColumn<PriceAnomaly>.Double("reference", a => a.Reference),
        ParquetColumn<PriceAnomaly>.OptionalDouble("confidence", a => a.Confidence),
    ]);

    private static ParquetColumn<T>[] StatsColumns<T>() where T : Analytics.ProductStats =>
    [
        .. ProductColumns<T>(s => (s.Product, s.DeliveryStart, s.DeliveryEnd, s.DeliveryArea)),
        ParquetColumn<T>.Int32("tradeCount", s => s.TradeCount),
        ParquetColumn<T>.Double("avgPrice", s => s.AvgPrice),
        ParquetColumn<T>.Double("vwap", s => s.Vwap),
        ParquetColumn<T>.Double("avgVolume", s => s.AvgVolume),
        ParquetColumn<T>.Decimal("totalVolume", TradeDecimals.TotalPrecision, TradeDecimals.Scale, s => s.TotalVolume),
        ParquetColumn<T>.Decimal("minPrice", TradeDecimals.Precision, TradeDecimals.Scale, s => s.MinPrice),
        ParquetColumn<T>.Decimal("maxPrice", TradeDecimals.Precision, TradeDecimals.Scale, s => s.MaxPrice),
        ParquetColumn<T>.OptionalDouble("stddevPrice", s => s.StddevPrice),
    ];

    private static ParquetColumn<T>[] ProductColumns<T>(Func<T, (string Product, DateTime Start, DateTime End, string Area)> key) =>
    [
        ParquetColumn<T>.Text("product", t => key(t).Product),
        ParquetColumn<T>.Timestamp("deliveryStart", t => key(t).Start),
        ParquetColumn<T>.Timestamp("deliveryEnd", t => key(t).End),
        ParquetColumn<T>.Text("deliveryArea", t => key(t).Area),
    ];
}
