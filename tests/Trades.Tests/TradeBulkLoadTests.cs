using System.Globalization;
using System.Text;
using Trades.Analytics;
using Trades.Csv;
using Trades.Generation;
using Trades.Validation;

namespace Trades.Tests;

/// <summary>The bulk paths (CSV bytes straight into a TradeTable, the open-addressing TradeId index) against the plain ones.</summary>
public sealed class TradeBulkLoadTests
{
    private static readonly TradeGenerationOptions TwoAreas = new() { FirstDay = new DateOnly(2023, 3, 25), Days = 2, Areas = ["FR", "DE"], Seed = 7, Anomalies = 20 };

    [Fact]
    public void Loading_a_csv_into_a_table_gives_the_same_analysis_and_rejections_as_reading_trades()
    {
        var text = CsvWithDefects(out var defects);
        var expectedRejected = new List<TradeCsvRecord>();
        var expected = TradeAnalytics.Analyze(TradeCsv.Read(new MemoryStream(text)).Where(r => r.IsValid || Reject(expectedRejected, r)).Select(r => r.Trade!));
        var rejected = new List<TradeCsvRecord>();
        var table = new TradeTable(16); // grows many times

        var load = TradeCsv.Load(new MemoryStream(text), table, rejected.Add);
        var actual = TradeAnalytics.Analyze(table);

        Assert.Equal(defects, load.InvalidRecords);
        Assert.Equal(expectedRejected.Select(r => (r.LineNumber, r.Reason, Convert.ToHexString(r.RawRecord!))), rejected.Select(r => (r.LineNumber, r.Reason, Convert.ToHexString(r.RawRecord!))));
        Assert.Equal(expected.Rows, load.ValidRows);
        AssertSameAnalysis(expected, actual);
    }

    [Fact]
    public void Columns_in_another_order_and_quoted_fields_load_like_they_read()
    {
        var trades = TradeGenerator.GenerateDay(new DateOnly(2023, 1, 1), "NL", seed: 3).Trades.Take(2_000).ToList();
        var lines = new List<string> { "TradeId,Price,\"Side\",RemoteTradeId,Product,DeliveryStart,DeliveryEnd,ExecutionTime,DeliveryArea,TradePhase,UserDefinedBlock,SelfTrade,Currency,Volume,VolumeUnit,OrderID" };
        foreach (var (trade, i) in trades.Select((t, i) => (t, i)))
        {
            var f = TradeFormat.Fields(trade);
            var price = i % 3 == 0 ? $"\"{f[11]}\"" : f[11];
            lines.Add(string.Join(',', f[0], price, f[2], f[1], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[12], f[13], f[14], f[15]));
        }
        var bytes = Encoding.UTF8.GetBytes(string.Join('\n', lines));
        var table = new TradeTable();

        TradeCsv.Load(new MemoryStream(bytes), table);

        AssertSameAnalysis(TradeAnalytics.Analyze(trades), TradeAnalytics.Analyze(table));
    }

    [Fact]
    public void The_tradeid_index_merges_legs_and_replays_in_any_arrival_order()
    {
        // ids in three far-apart ranges (sequential inside each), every leg twice, shuffled: a reference dictionary decides
        var random = new Random(11);
        var ids = Enumerable.Range(0, 30_000).Select(i => (i % 3) * 1_000_000_000L + 8 * (i / 3) + 1).ToArray();
        var legs = ids.SelectMany(id => new[] { (id, TradeSide.Buy), (id, TradeSide.Sell), (id, TradeSide.Sell) }).OrderBy(_ => random.Next()).ToList();
        var table = new TradeTable(16);
        var product = table.ProductIndex(TradeColumns.HourProduct, new DateTime(2023, 1, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2023, 1, 1, 1, 0, 0, DateTimeKind.Utc), "FR");
        var firstSeen = new Dictionary<long, int>();

        foreach (var (id, side) in legs)
        {
            firstSeen.TryAdd(id, firstSeen.Count);
            table.Add(id, side, product, 0, id % 100, 1);
        }

        Assert.Equal(ids.Length, table.Count);
        Assert.Equal(ids.Length, table.DuplicateRows);
        Assert.Equal(firstSeen.OrderBy(p => p.Value).Select(p => p.Key), table.TradeIds.ToArray());
        Assert.Empty(table.Findings);
    }

    [Fact]
    public void Products_are_the_same_by_value_whatever_string_instances_carry_them()
    {
        var table = new TradeTable();
        var start = new DateTime(2023, 1, 1, 0, 0, 0, DateTimeKind.Utc);

        var a = table.ProductIndex(new string(TradeColumns.HourProduct), start, start.AddHours(1), new string("FR"));
        var b = table.ProductIndex(new string(TradeColumns.HourProduct), start, start.AddHours(1), new string("FR"));
        var c = table.ProductIndex(TradeColumns.HourProduct, start, start.AddHours(1), "DE");

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.Equal(new FinancialProduct(TradeColumns.HourProduct, start, start.AddHours(1), "FR"), table.Products[a]);
    }

    [Theory]
    [InlineData("0.1")]
    [InlineData("-12.50")]
    [InlineData("007.250")]
    [InlineData("99999.99")]
    [InlineData("-0")]
    [InlineData("0.000")]
    [InlineData("123456789012345678")]
    [InlineData("1234567890.1234567890123")]
    public void Plain_decimals_parse_to_the_value_and_scale_of_decimal_parse(string text)
    {
        Assert.True(TradeValidator.TryDecimal(Encoding.ASCII.GetBytes(text), out var value));

        var expected = decimal.Parse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        Assert.Equal(expected, value);
        Assert.Equal(expected.Scale, value.Scale);
        Assert.Equal(expected.ToString(CultureInfo.InvariantCulture), value.ToString(CultureInfo.InvariantCulture));
        Assert.Equal((double)expected, (double)value);
    }

    private static bool Reject(List<TradeCsvRecord> rejected, TradeCsvRecord record)
    {
        rejected.Add(record);
        return false;
    }

    /// <summary>A generated CSV with replayed and disagreeing legs, malformed records, a blank line and an oversized one.</summary>
    private static byte[] CsvWithDefects(out int defects)
    {
        var (trades, _) = TradeGenerator.Generate(TwoAreas);
        var lines = new List<string> { "# defects", string.Join(',', TradeColumns.Names) };
        defects = 0;
        for (var i = 0; i < trades.Count; i++)
        {
            var trade = trades[i];
            lines.Add(TradeCsv.FormatRecord(trade));
            if (i % 997 == 0) lines.Add(TradeCsv.FormatRecord(trade)); // exact replay
            if (i % 1999 == 0) lines.Add(TradeCsv.FormatRecord(trade with { Price = trade.Price + 1 })); // conflicting
            if (i % 2503 == 0) { lines.Add(TradeCsv.FormatRecord(trade).Replace(",EUR,", ",XYZ,", StringComparison.Ordinal)); defects++; }
            if (i % 3001 == 0) { lines.Add(TradeCsv.FormatRecord(trade) + ",extra"); defects++; }
            if (i % 4001 == 0) { lines.Add(TradeCsv.FormatRecord(trade with { Volume = -trade.Volume })); defects++; }
            if (i == 5000) { lines.Add(""); lines.Add(new string('x', 5000)); defects++; }
        }
        return Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n");
    }

    private static void AssertSameAnalysis(AnalysisResult expected, AnalysisResult actual)
    {
        Assert.Equal(expected.Rows, actual.Rows);
        Assert.Equal(expected.DistinctTrades, actual.DistinctTrades);
        Assert.Equal(expected.DuplicateRows, actual.DuplicateRows);
        Assert.Equal(expected.UnscoredProducts, actual.UnscoredProducts);
        Assert.Equal(expected.ProductStats, actual.ProductStats);
        Assert.Equal(expected.TopProducts, actual.TopProducts);
        Assert.Equal(expected.Anomalies, actual.Anomalies);
        Assert.Equal(expected.Findings, actual.Findings);
    }
}
