using System.Text.Json;
using TestSupport;
using Trades.Analytics;
using Trades.Export;
using Trades.Generation;

namespace Trades.Tests;

public sealed class TradeExportTests : IDisposable
{
    private readonly string _directory = TestFiles.TempDirectory();
    private static readonly (List<Trade> Trades, List<InjectedAnomaly> Anomalies) Generated =
        TradeGenerator.Generate(new TradeGenerationOptions { FirstDay = new DateOnly(2023, 1, 1), Days = 2, Areas = ["FR", "NL"], Seed = 3, Anomalies = 8, Intensity = 0.1 });

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private sealed class FixedTime : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(2024, 1, 2, 3, 4, 5, TimeSpan.Zero);
    }

    [Fact]
    public async Task A_lake_export_partitions_trades_by_delivery_day_and_area_and_duckdb_reads_back_the_manifests_rows_and_checksums()
    {
        var analysis = TradeAnalytics.Analyze(Generated.Trades);
        var target = Path.Combine(_directory, "export");

        var manifest = await new TradeLakeExporter(new FixedTime()).ExportAsync(target, Generated.Trades, analysis);

        var partitions = manifest.Files.Where(f => f.Path.StartsWith("trades/", StringComparison.Ordinal)).ToList();
        Assert.Equal(
            ["trades/deliveryDate=2023-01-01/deliveryArea=FR/data_0.parquet", "trades/deliveryDate=2023-01-01/deliveryArea=NL/data_0.parquet",
             "trades/deliveryDate=2023-01-02/deliveryArea=FR/data_0.parquet", "trades/deliveryDate=2023-01-02/deliveryArea=NL/data_0.parquet"],
            partitions.Select(p => p.Path));
        Assert.Equal(Generated.Trades.Count, partitions.Sum(p => p.Rows));
        using var reader = new IndependentParquetReader();
        var french = Generated.Trades.Where(t => t.DeliveryArea == "FR" && MarketTime.DeliveryDate(t.DeliveryStart) == new DateOnly(2023, 1, 1)).ToList();
        var read = reader.Summarize(Path.Combine(target, partitions[0].Path));
        Assert.Equal(french.Count, read.Rows);
        Assert.Equal(french.Sum(t => t.Volume), read.Sums["volume"]);
        Assert.Equal(french.Sum(t => t.TradeId), read.Sums["tradeId"]);

        var stats = manifest.Files.Single(f => f.Path == "product_stats.parquet");
        Assert.Equal(analysis.ProductStats.Count, stats.Rows);
        var statsRead = reader.Summarize(Path.Combine(target, stats.Path));
        Assert.Equal(analysis.ProductStats.Sum(s => s.TotalVolume), statsRead.Sums["totalVolume"]);
        Assert.Equal(analysis.ProductStats.Sum(s => s.TradeCount), statsRead.Sums["tradeCount"]);
        Assert.Equal(analysis.Anomalies.Count, manifest.Files.Single(f => f.Path == "anomalies.parquet").Rows);
        Assert.Equal(analysis.TopProducts.Count, manifest.Files.Single(f => f.Path == "top_products.parquet").Rows);

        var written = JsonSerializer.Deserialize<ExportManifest>(File.ReadAllText(Path.Combine(target, "manifest.json")), AnalysisFiles.JsonOptions)!;
        Assert.Equal(manifest.Files, written.Files);
        Assert.StartsWith("Parquet.Net 6.", written.Writer, StringComparison.Ordinal);
        Assert.All(manifest.Files, f =>
        {
            var path = Path.Combine(target, f.Path);
            Assert.Equal(f.Rows, reader.Summarize(path).Rows);
            Assert.Equal(f.Sha256, IndependentParquetReader.Sha256(path));
            Assert.Equal(f.Bytes, new FileInfo(path).Length);
        });
    }

    [Fact]
    public async Task Exporting_the_same_window_again_replaces_the_files_with_identical_bytes()
    {
        var analysis = TradeAnalytics.Analyze(Generated.Trades);
        var target = Path.Combine(_directory, "export");
        var exporter = new TradeLakeExporter(new FixedTime());
        var first = await exporter.ExportAsync(target, Generated.Trades, analysis);
        File.WriteAllText(Path.Combine(target, "stray.parquet"), "left over");

        var second = await exporter.ExportAsync(target, Generated.Trades, analysis);

        Assert.Equal(first.Files, second.Files);
        Assert.False(File.Exists(Path.Combine(target, "stray.parquet")));
        Assert.Empty(Directory.GetDirectories(_directory, "*.staging-*"));
    }

    private static readonly string[] TradeColumns = ["tradeId", "remoteTradeId", "side", "product", "deliveryStart", "deliveryEnd", "executionTime",
        "deliveryArea", "tradePhase", "userDefinedBlock", "selfTrade", "price", "currency", "volume", "volumeUnit", "orderId", "deliveryDate"];

    private static readonly string[] TradeColumnTypes = ["BIGINT", "VARCHAR", "VARCHAR", "VARCHAR", "TIMESTAMP", "TIMESTAMP", "TIMESTAMP",
        "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "DECIMAL(18,6)", "VARCHAR", "DECIMAL(18,6)", "VARCHAR", "BIGINT", "DATE"];

    private static IEnumerable<Trade> InFileOrder(IEnumerable<Trade> trades) =>
        trades.OrderBy(t => t.ExecutionTime).ThenBy(t => t.TradeId).ThenBy(t => TradeFormat.Side(t.Side), StringComparer.Ordinal);

    private static List<Trade> PartitionOf(IEnumerable<Trade> trades, string filePath)
    {
        var (day, area) = (filePath.Split('/')[1]["deliveryDate=".Length..], filePath.Split('/')[2]["deliveryArea=".Length..]);
        return [.. InFileOrder(trades.Where(t => t.DeliveryArea == area && MarketTime.DeliveryDate(t.DeliveryStart).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) == day))];
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Each_trades_file_holds_every_leg_of_its_partition_in_execution_time_tradeid_and_side_order(bool shuffled)
    {
        // generated legs arrive almost in file order (SELL before BUY); shuffled ones take the exporter's general sort
        var trades = shuffled ? Generated.Trades.OrderBy(t => (t.TradeId * 7919) % 1009).ToList() : Generated.Trades;
        var target = Path.Combine(_directory, "export");

        var manifest = await new TradeLakeExporter(new FixedTime()).ExportAsync(target, trades, TradeAnalytics.Analyze(trades));

        using var reader = new IndependentParquetReader();
        foreach (var file in manifest.Files.Where(f => f.Path.StartsWith("trades/", StringComparison.Ordinal)))
        {
            var path = Path.Combine(target, file.Path);
            var schema = reader.Rows("DESCRIBE SELECT * FROM read_parquet({file})", path);
            Assert.Equal(TradeColumns, schema.Select(r => (string)r[0]!));
            Assert.Equal(TradeColumnTypes, schema.Select(r => (string)r[1]!));
            // text columns are plain UTF-8 strings in the file
            Assert.All(reader.Rows("SELECT type, converted_type FROM parquet_schema({file}) WHERE name IN ('remoteTradeId', 'side', 'product', 'deliveryArea', 'currency')", path),
                r => Assert.Equal(["BYTE_ARRAY", "UTF8"], r.Cast<string>()));
            var rows = reader.Rows("SELECT tradeId, side, deliveryArea, CAST(deliveryDate AS VARCHAR), product, remoteTradeId, price FROM read_parquet({file})", path);
            var expected = PartitionOf(Generated.Trades, file.Path);
            Assert.Equal(expected.Select(t => (t.TradeId, TradeFormat.Side(t.Side), t.DeliveryArea, MarketTime.DeliveryDate(t.DeliveryStart).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), t.Product, t.RemoteTradeId, t.Price)),
                rows.Select(r => ((long)r[0]!, (string)r[1]!, (string)r[2]!, (string)r[3]!, (string)r[4]!, (string)r[5]!, (decimal)r[6]!)));
            // statistics describe the file's own values (the area and day are single values)
            var stats = reader.Rows("SELECT path_in_schema, stats_min_value, stats_max_value FROM parquet_metadata({file}) WHERE path_in_schema IN ('deliveryArea', 'product')", path)
                .ToDictionary(r => (string)r[0]!, r => ((string)r[1]!, (string)r[2]!));
            Assert.Equal((expected[0].DeliveryArea, expected[0].DeliveryArea), stats["deliveryArea"]);
            Assert.Equal((expected.Select(t => t.Product).Min(StringComparer.Ordinal), expected.Select(t => t.Product).Max(StringComparer.Ordinal)), stats["product"]);
        }
    }

    [Fact]
    public async Task Duckdb_reads_the_text_columns_of_every_leg_in_file_order()
    {
        var target = Path.Combine(_directory, "export");
        var manifest = await new TradeLakeExporter(new FixedTime()).ExportAsync(target, Generated.Trades, TradeAnalytics.Analyze(Generated.Trades));

        using var reader = new IndependentParquetReader();
        foreach (var file in manifest.Files.Where(f => f.Path.StartsWith("trades/", StringComparison.Ordinal)))
        {
            var read = reader.Rows("SELECT concat_ws('|', tradeId, remoteTradeId, side, product, deliveryArea, tradePhase, userDefinedBlock, selfTrade, currency, volumeUnit) FROM read_parquet({file})",
                Path.Combine(target, file.Path));
            Assert.Equal(PartitionOf(Generated.Trades, file.Path).Select(t => string.Join('|', t.TradeId, t.RemoteTradeId, TradeFormat.Side(t.Side), t.Product,
                t.DeliveryArea, t.TradePhase, t.UserDefinedBlock, t.SelfTrade, t.Currency, t.VolumeUnit)), read.Select(r => (string)r[0]!));
        }
    }

    [Fact]
    public async Task A_partition_with_hundreds_of_distinct_text_values_in_separate_string_instances_is_written_exactly()
    {
        // 300 products need dictionary indexes wider than a byte; values built per row are never the same instance (as
        // rows read from PostgreSQL), and remote ids are long or non-ASCII
        var day = Generated.Trades.Where(t => t.DeliveryArea == "FR" && MarketTime.DeliveryDate(t.DeliveryStart) == new DateOnly(2023, 1, 1)).ToList();
        var trades = day.Select((t, i) => t with
        {
            Product = "Product_" + (i * 7 % 300).ToString("D3", System.Globalization.CultureInfo.InvariantCulture),
            RemoteTradeId = i % 3 == 0 ? "a remote trade id of " + i : "é" + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Currency = new string("EUR".AsSpan()),
        }).ToList();
        var target = Path.Combine(_directory, "export");

        var manifest = await new TradeLakeExporter(new FixedTime()).ExportAsync(target, trades, TradeAnalytics.Analyze(trades));

        var file = Assert.Single(manifest.Files, f => f.Path.StartsWith("trades/", StringComparison.Ordinal));
        using var reader = new IndependentParquetReader();
        var rows = reader.Rows("SELECT tradeId, side, product, remoteTradeId, currency FROM read_parquet({file})", Path.Combine(target, file.Path));
        Assert.Equal(InFileOrder(trades).Select(t => (t.TradeId, TradeFormat.Side(t.Side), t.Product, t.RemoteTradeId, t.Currency)),
            rows.Select(r => ((long)r[0]!, (string)r[1]!, (string)r[2]!, (string)r[3]!, (string)r[4]!)));
        Assert.Equal(300, rows.Select(r => r[2]).Distinct().Count());
    }

    [Fact]
    public void Analysis_json_uses_the_camel_case_fields_of_the_contract()
    {
        var analysis = TradeAnalytics.Analyze(Generated.Trades);

        AnalysisFiles.WriteJson(_directory, analysis);

        var stats = JsonDocument.Parse(File.ReadAllText(Path.Combine(_directory, "product_stats.json"))).RootElement[0];
        Assert.Equal(["product", "deliveryStart", "deliveryEnd", "deliveryArea", "tradeCount", "avgPrice", "vwap", "avgVolume", "totalVolume", "minPrice", "maxPrice", "stddevPrice"],
            stats.EnumerateObject().Select(p => p.Name));
        Assert.EndsWith("Z", stats.GetProperty("deliveryStart").GetString());
        var top = JsonDocument.Parse(File.ReadAllText(Path.Combine(_directory, "top_products.json"))).RootElement[0];
        Assert.Equal(["scope", "deliveryDate", "rank", "product"], top.EnumerateObject().Select(p => p.Name).Take(4));
        var anomaly = JsonDocument.Parse(File.ReadAllText(Path.Combine(_directory, "anomalies.json"))).RootElement[0];
        Assert.Equal(["product", "deliveryStart", "deliveryEnd", "deliveryArea", "tradeId", "executionTime", "price", "volume", "method", "score", "threshold", "reference", "confidence"],
            anomaly.EnumerateObject().Select(p => p.Name));
    }
}
