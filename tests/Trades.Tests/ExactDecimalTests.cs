using System.Text.Json;
using TestSupport;
using Trades.Analytics;
using Trades.Export;

namespace Trades.Tests;

/// <summary>Prices and volumes stay the decimals the exchange sent, through the statistics and into JSON and Parquet.</summary>
public sealed class ExactDecimalTests : IDisposable
{
    private readonly string _directory = TestFiles.TempDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    // 0.1 + 0.2 + 0.4 is 0.7000000000000001 in double; the same for prices 211.18 + 0.1.
    private static readonly Trade[] Legs =
    [
        Leg(1, 211.18m, 0.1m), Leg(2, 0.1m, 0.2m), Leg(3, 13.37m, 0.4m),
    ];

    private static Trade Leg(long id, decimal price, decimal volume) => new()
    {
        TradeId = id,
        RemoteTradeId = "",
        Side = TradeSide.Sell,
        Product = TradeColumns.HourProduct,
        DeliveryStart = new DateTime(2023, 1, 1, 10, 0, 0, DateTimeKind.Utc),
        DeliveryEnd = new DateTime(2023, 1, 1, 11, 0, 0, DateTimeKind.Utc),
        ExecutionTime = new DateTime(2022, 12, 31, 16, 0, 0, DateTimeKind.Utc).AddSeconds(id),
        DeliveryArea = "FR",
        TradePhase = "CONT",
        UserDefinedBlock = "N",
        SelfTrade = "U",
        Price = price,
        Currency = "EUR",
        Volume = volume,
        VolumeUnit = "MWH",
        OrderId = id,
    };

    [Fact]
    public void A_total_volume_that_double_arithmetic_gets_wrong_is_exact_with_exact_extremes()
    {
        Assert.NotEqual(0.7, 0.1 + 0.2 + 0.4); // the premise: in double this sum is 0.7000000000000001

        var stats = Assert.Single(TradeAnalytics.Analyze(Legs).ProductStats);

        Assert.Equal("0.7", stats.TotalVolume.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(0.1m, stats.MinPrice);
        Assert.Equal(211.18m, stats.MaxPrice);
        Assert.Equal((double)((211.18m * 0.1m + 0.1m * 0.2m + 13.37m * 0.4m) / 0.7m), stats.Vwap); // one rounding, of the exact quotient
    }

    [Fact]
    public async Task The_analysis_files_and_the_lake_hold_the_exact_total_as_json_numbers_and_parquet_decimals()
    {
        var analysis = TradeAnalytics.Analyze(Legs);
        AnalysisFiles.WriteJson(_directory, analysis);
        await AnalysisFiles.WriteParquetAsync(_directory, analysis);
        var lake = Path.Combine(_directory, "lake");
        await new TradeLakeExporter(TimeProvider.System).ExportAsync(lake, Legs, analysis);

        var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_directory, "product_stats.json"))).RootElement[0];
        Assert.Equal("0.7", json.GetProperty("totalVolume").GetRawText());
        Assert.Equal("211.18", json.GetProperty("maxPrice").GetRawText());
        using var reader = new IndependentParquetReader();
        Assert.Equal(["DECIMAL(28,6)", "0.700000", "211.180000"], reader.Rows(
            "SELECT typeof(totalVolume), totalVolume::VARCHAR, maxPrice::VARCHAR FROM read_parquet({file})", Path.Combine(_directory, "product_stats.parquet"))[0]);
        Assert.Equal(["DECIMAL(28,6)", "0.700000"], reader.Rows(
            "SELECT typeof(totalVolume), totalVolume::VARCHAR FROM read_parquet({file}) WHERE scope = 'overall'", Path.Combine(lake, "top_products.parquet"))[0]);
        var trades = Path.Combine(lake, "trades/deliveryDate=2023-01-01/deliveryArea=FR/data_0.parquet");
        Assert.Equal(["0.700000", "224.650000"], reader.Rows("SELECT sum(volume)::VARCHAR, sum(price)::VARCHAR FROM read_parquet({file})", trades)[0]);
        Assert.Equal(0.7m, reader.Summarize(trades).Sums["volume"]);
    }

    [Fact]
    public void A_price_or_volume_with_more_decimal_places_than_the_lake_keeps_is_rejected_by_name()
    {
        var record = Trades.Csv.TradeCsv.FormatRecord(Legs[0]).Replace(",211.18,", ",211.1234567,", StringComparison.Ordinal);

        var validation = Validation.TradeValidator.Default.ValidateCsvRecord(System.Text.Encoding.UTF8.GetBytes(record));

        Assert.Equal("Price '211.1234567' has more than 6 decimal places", validation.Reason);
    }
}
