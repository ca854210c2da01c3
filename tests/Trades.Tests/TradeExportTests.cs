using System.Text.Json;
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
    public void A_lake_export_partitions_trades_by_delivery_day_and_area_and_the_node_reader_agrees_with_the_manifest()
    {
        var analysis = TradeAnalytics.Analyze(Generated.Trades);
        var target = Path.Combine(_directory, "export");

        var manifest = new TradeLakeExporter(new FixedTime()).Export(target, Generated.Trades, analysis);

        var partitions = manifest.Files.Where(f => f.Path.StartsWith("trades/", StringComparison.Ordinal)).ToList();
        Assert.Equal(
            ["trades/deliveryDate=2023-01-01/deliveryArea=FR/data_0.parquet", "trades/deliveryDate=2023-01-01/deliveryArea=NL/data_0.parquet",
             "trades/deliveryDate=2023-01-02/deliveryArea=FR/data_0.parquet", "trades/deliveryDate=2023-01-02/deliveryArea=NL/data_0.parquet"],
            partitions.Select(p => p.Path));
        Assert.Equal(Generated.Trades.Count, partitions.Sum(p => p.Rows));
        var french = Generated.Trades.Where(t => t.DeliveryArea == "FR" && MarketTime.DeliveryDate(t.DeliveryStart) == new DateOnly(2023, 1, 1)).ToList();
        var read = TestFiles.ReadParquetWithNode(Path.Combine(target, partitions[0].Path));
        Assert.Equal(french.Count, read.GetProperty("rows").GetInt64());
        Assert.Equal(french.Count, read.GetProperty("readRows").GetInt64());
        Assert.Equal((double)french.Sum(t => t.Volume), read.GetProperty("sums").GetProperty("volume").GetDouble(), 6);
        Assert.Equal((double)french.Sum(t => t.TradeId), read.GetProperty("sums").GetProperty("tradeId").GetDouble(), 0);

        var stats = manifest.Files.Single(f => f.Path == "product_stats.parquet");
        Assert.Equal(analysis.ProductStats.Count, stats.Rows);
        var statsRead = TestFiles.ReadParquetWithNode(Path.Combine(target, stats.Path));
        Assert.Equal(analysis.ProductStats.Sum(s => s.TotalVolume), statsRead.GetProperty("sums").GetProperty("totalVolume").GetDouble(), 6);
        Assert.Equal(analysis.ProductStats.Sum(s => s.TradeCount), statsRead.GetProperty("sums").GetProperty("tradeCount").GetDouble());
        Assert.Equal(analysis.Anomalies.Count, manifest.Files.Single(f => f.Path == "anomalies.parquet").Rows);
        Assert.Equal(analysis.TopProducts.Count, manifest.Files.Single(f => f.Path == "top_products.parquet").Rows);

        var written = JsonSerializer.Deserialize<ExportManifest>(File.ReadAllText(Path.Combine(target, "manifest.json")), AnalysisFiles.JsonOptions)!;
        Assert.Equal(manifest.Files, written.Files);
        Assert.All(manifest.Files, f => Assert.Equal(64, f.Sha256.Length));
    }

    [Fact]
    public void Exporting_the_same_window_again_replaces_the_files_with_identical_bytes()
    {
        var analysis = TradeAnalytics.Analyze(Generated.Trades);
        var target = Path.Combine(_directory, "export");
        var exporter = new TradeLakeExporter(new FixedTime());
        var first = exporter.Export(target, Generated.Trades, analysis);
        File.WriteAllText(Path.Combine(target, "stray.parquet"), "left over");

        var second = exporter.Export(target, Generated.Trades, analysis);

        Assert.Equal(first.Files, second.Files);
        Assert.False(File.Exists(Path.Combine(target, "stray.parquet")));
        Assert.Empty(Directory.GetDirectories(_directory, "*.staging-*"));
    }

    [Fact]
    public void Each_trades_file_holds_every_leg_of_its_partition_in_execution_time_tradeid_and_side_order()
    {
        // arrival order shuffled: the files must not depend on it (DuckDB's one-COPY PARTITION_BY did not keep ORDER BY)
        var shuffled = Generated.Trades.OrderBy(t => (t.TradeId * 7919) % 1009).ToList();
        var target = Path.Combine(_directory, "export");

        var manifest = new TradeLakeExporter(new FixedTime()).Export(target, shuffled, TradeAnalytics.Analyze(shuffled));

        using var connection = DuckDb.DuckDbConnection.OpenInMemory();
        connection.Execute("SET threads = 1");
        foreach (var file in manifest.Files.Where(f => f.Path.StartsWith("trades/", StringComparison.Ordinal)))
        {
            var path = DuckDb.DuckDbConnection.Literal(Path.Combine(target, file.Path));
            var columns = connection.QueryRows($"SELECT name FROM parquet_schema({path}) WHERE num_children IS NULL").Select(r => (string)r[0]!);
            Assert.Equal(["tradeId", "remoteTradeId", "side", "product", "deliveryStart", "deliveryEnd", "executionTime", "deliveryArea", "tradePhase",
                "userDefinedBlock", "selfTrade", "price", "currency", "volume", "volumeUnit", "orderId", "deliveryDate"], columns);
            var rows = connection.QueryRows($"SELECT tradeId, side, deliveryArea, CAST(deliveryDate AS VARCHAR) FROM read_parquet({path})");
            var (day, area) = (file.Path.Split('/')[1]["deliveryDate=".Length..], file.Path.Split('/')[2]["deliveryArea=".Length..]);
            var expected = Generated.Trades
                .Where(t => t.DeliveryArea == area && MarketTime.DeliveryDate(t.DeliveryStart).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) == day)
                .OrderBy(t => t.ExecutionTime).ThenBy(t => t.TradeId).ThenBy(t => TradeFormat.Side(t.Side), StringComparer.Ordinal)
                .Select(t => (t.TradeId, TradeFormat.Side(t.Side)));
            Assert.Equal(expected, rows.Select(r => ((long)r[0]!, (string)r[1]!)));
            Assert.All(rows, r => Assert.Equal((area, day), ((string)r[2]!, (string)r[3]!)));
        }
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
        Assert.Equal(["product", "deliveryStart", "deliveryEnd", "deliveryArea", "tradeId", "executionTime", "price", "volume", "method", "score", "threshold", "reference"],
            anomaly.EnumerateObject().Select(p => p.Name));
    }
}
