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

    private static readonly string[] TradeColumns = ["tradeId", "remoteTradeId", "side", "product", "deliveryStart", "deliveryEnd", "executionTime",
        "deliveryArea", "tradePhase", "userDefinedBlock", "selfTrade", "price", "currency", "volume", "volumeUnit", "orderId", "deliveryDate"];

    private static readonly string[] TradeColumnTypes = ["BIGINT", "VARCHAR", "VARCHAR", "VARCHAR", "TIMESTAMP", "TIMESTAMP", "TIMESTAMP",
        "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "DOUBLE", "VARCHAR", "DOUBLE", "VARCHAR", "BIGINT", "DATE"];

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
    public void Each_trades_file_holds_every_leg_of_its_partition_in_execution_time_tradeid_and_side_order(bool shuffled)
    {
        // generated legs arrive almost in file order (SELL before BUY); shuffled ones take the exporter's general sort
        var trades = shuffled ? Generated.Trades.OrderBy(t => (t.TradeId * 7919) % 1009).ToList() : Generated.Trades;
        var target = Path.Combine(_directory, "export");

        var manifest = new TradeLakeExporter(new FixedTime()).Export(target, trades, TradeAnalytics.Analyze(trades));

        using var connection = DuckDb.DuckDbConnection.OpenInMemory();
        connection.Execute("SET threads = 1");
        foreach (var file in manifest.Files.Where(f => f.Path.StartsWith("trades/", StringComparison.Ordinal)))
        {
            var path = DuckDb.DuckDbConnection.Literal(Path.Combine(target, file.Path));
            var schema = connection.QueryRows($"DESCRIBE SELECT * FROM read_parquet({path})");
            Assert.Equal(TradeColumns, schema.Select(r => (string)r[0]!));
            Assert.Equal(TradeColumnTypes, schema.Select(r => (string)r[1]!));
            // text columns are plain UTF-8 strings in the file, whatever DuckDB type wrote them
            Assert.All(connection.QueryRows($"SELECT type, converted_type FROM parquet_schema({path}) WHERE name IN ('remoteTradeId', 'side', 'product', 'deliveryArea', 'currency')"),
                r => Assert.Equal(["BYTE_ARRAY", "UTF8"], r.Cast<string>()));
            var rows = connection.QueryRows($"SELECT tradeId, side, deliveryArea, CAST(deliveryDate AS VARCHAR), product, remoteTradeId, price FROM read_parquet({path})");
            var expected = PartitionOf(Generated.Trades, file.Path);
            Assert.Equal(expected.Select(t => (t.TradeId, TradeFormat.Side(t.Side), t.DeliveryArea, MarketTime.DeliveryDate(t.DeliveryStart).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), t.Product, t.RemoteTradeId, (double)t.Price)),
                rows.Select(r => ((long)r[0]!, (string)r[1]!, (string)r[2]!, (string)r[3]!, (string)r[4]!, (string)r[5]!, (double)r[6]!)));
            // statistics describe the file's own values (the area and day are single values)
            var stats = connection.QueryRows($"SELECT path_in_schema, stats_min_value, stats_max_value FROM parquet_metadata({path}) WHERE path_in_schema IN ('deliveryArea', 'product')")
                .ToDictionary(r => (string)r[0]!, r => ((string)r[1]!, (string)r[2]!));
            Assert.Equal((expected[0].DeliveryArea, expected[0].DeliveryArea), stats["deliveryArea"]);
            Assert.Equal((expected.Select(t => t.Product).Min(StringComparer.Ordinal), expected.Select(t => t.Product).Max(StringComparer.Ordinal)), stats["product"]);
        }
    }

    [Fact]
    public void The_node_reader_reads_the_text_columns_of_every_leg_in_file_order()
    {
        var target = Path.Combine(_directory, "export");
        var manifest = new TradeLakeExporter(new FixedTime()).Export(target, Generated.Trades, TradeAnalytics.Analyze(Generated.Trades));

        foreach (var file in manifest.Files.Where(f => f.Path.StartsWith("trades/", StringComparison.Ordinal)))
        {
            var read = ReadTextColumnsWithNode(Path.Combine(target, file.Path));
            Assert.Equal(PartitionOf(Generated.Trades, file.Path).Select(t => string.Join('|', t.TradeId, t.RemoteTradeId, TradeFormat.Side(t.Side), t.Product,
                t.DeliveryArea, t.TradePhase, t.UserDefinedBlock, t.SelfTrade, t.Currency, t.VolumeUnit)), read);
        }
    }

    [Fact]
    public void A_partition_with_hundreds_of_distinct_text_values_in_separate_string_instances_is_written_exactly()
    {
        // 300 products need two-byte member indexes; values built per row are never the same instance (as rows read
        // from PostgreSQL), and remote ids past 12 bytes or with non-ASCII text take the string heap
        var day = Generated.Trades.Where(t => t.DeliveryArea == "FR" && MarketTime.DeliveryDate(t.DeliveryStart) == new DateOnly(2023, 1, 1)).ToList();
        var trades = day.Select((t, i) => t with
        {
            Product = "Product_" + (i * 7 % 300).ToString("D3", System.Globalization.CultureInfo.InvariantCulture),
            RemoteTradeId = i % 3 == 0 ? "a remote trade id of " + i : "é" + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Currency = new string("EUR".AsSpan()),
        }).ToList();
        var target = Path.Combine(_directory, "export");

        var manifest = new TradeLakeExporter(new FixedTime()).Export(target, trades, TradeAnalytics.Analyze(trades));

        var file = Assert.Single(manifest.Files, f => f.Path.StartsWith("trades/", StringComparison.Ordinal));
        using var connection = DuckDb.DuckDbConnection.OpenInMemory();
        var rows = connection.QueryRows($"SELECT tradeId, side, product, remoteTradeId, currency FROM read_parquet({DuckDb.DuckDbConnection.Literal(Path.Combine(target, file.Path))})");
        Assert.Equal(InFileOrder(trades).Select(t => (t.TradeId, TradeFormat.Side(t.Side), t.Product, t.RemoteTradeId, t.Currency)),
            rows.Select(r => ((long)r[0]!, (string)r[1]!, (string)r[2]!, (string)r[3]!, (string)r[4]!)));
        Assert.Equal(300, rows.Select(r => r[2]).Distinct().Count());
    }

    /// <summary>Every row's text columns (and tradeId) as read by hyparquet, joined with '|'.</summary>
    private static List<string> ReadTextColumnsWithNode(string path)
    {
        const string Script = """
            import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet'
            import { compressors } from 'hyparquet-compressors'
            const columns = ['tradeId', 'remoteTradeId', 'side', 'product', 'deliveryArea', 'tradePhase', 'userDefinedBlock', 'selfTrade', 'currency', 'volumeUnit']
            const rows = await parquetReadObjects({ file: await asyncBufferFromFile(process.argv[1]), compressors, columns })
            console.log(JSON.stringify(rows.map(row => columns.map(column => String(row[column])).join('|'))))
            """;
        var start = new System.Diagnostics.ProcessStartInfo("node", ["--input-type=module", "-e", Script, path])
        {
            WorkingDirectory = Path.Combine(TestFiles.RepoRoot, "tests", "parquet-reader"), // resolves hyparquet from its node_modules
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = System.Diagnostics.Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"node reader failed ({process.ExitCode}): {error.Result}");
        return JsonSerializer.Deserialize<List<string>>(output)!;
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
