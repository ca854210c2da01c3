using System.Text;

namespace Prices.Tests;

public sealed class PriceReportTests
{
    static PriceReport Report(IEnumerable<PriceTick> ticks, double threshold = PriceReport.DefaultThreshold)
    {
        var builder = new PriceReportBuilder(threshold);
        foreach (var tick in ticks) Assert.True(builder.TryAdd(Encoding.UTF8.GetBytes(tick.ToJson()), out _)); // through the wire format
        return builder.Build();
    }

    [Fact]
    public void Five_thousand_generated_ticks_are_counted_and_their_statistics_equal_a_direct_computation()
    {
        var (ticks, _) = PriceGenerator.Generate(new PriceGenerationOptions { Count = 5_000, Seed = 4 });

        var report = Report(ticks);

        Assert.Equal(5_000, report.Count);
        Assert.Equal(5, report.Symbols.Count);
        foreach (var s in report.Symbols)
        {
            var prices = ticks.Where(t => t.Symbol == s.Symbol).Select(t => t.Price).ToArray();
            var mean = prices.Average();
            var std = Math.Sqrt(prices.Sum(p => (p - mean) * (p - mean)) / (prices.Length - 1));
            Assert.Equal(prices.Length, s.Count);
            Assert.Equal(prices.Min(), s.Min);
            Assert.Equal(prices.Max(), s.Max);
            Assert.Equal(mean, s.Mean, 9);
            Assert.Equal(std, s.StandardDeviation, 9);
        }
        Assert.Empty(report.Outliers);
        Assert.Contains("sample standard deviation", report.ZScoreBasis);
    }

    [Fact]
    public void Injected_outliers_are_reported_and_nothing_else_at_the_default_threshold()
    {
        var (ticks, injected) = PriceGenerator.Generate(new PriceGenerationOptions { Count = 5_000, Outliers = 8, Seed = 11 });

        var report = Report(ticks);

        Assert.Equal(8, injected.Count);
        Assert.Equal(injected.Select(t => (t.Ts, t.Symbol, t.Price)).Order(), report.Outliers.Select(o => (o.Ts, o.Symbol, o.Price)).Order());
        Assert.All(report.Outliers, o => Assert.True(Math.Abs(o.ZScore) > 3));
    }

    [Fact]
    public void A_lower_threshold_reports_more()
    {
        var (ticks, _) = PriceGenerator.Generate(new PriceGenerationOptions { Count = 5_000, Seed = 4 });

        Assert.NotEmpty(Report(ticks, threshold: 2).Outliers);
    }

    [Theory]
    [InlineData("{\"ts\": \"2024-01-01 00:00:00.000\", \"symbol\": \"A\",", "malformed JSON: ")]
    [InlineData("{\"ts\": \"2024-01-01 00:00:00.000\", \"price\": 1.5}", "missing field(s) 'symbol'")]
    [InlineData("{\"ts\": \"2024-01-01 00:00:00.000\", \"symbol\": \"A\", \"price\": \"1.5\"}", "'price' is the string \"1.5\", expected a number")]
    [InlineData("{\"ts\": \"2024-01-01 00:00:00.000\", \"symbol\": \"A\", \"price\": NaN}", "NaN is not a number JSON allows (a price must be finite)")]
    [InlineData("{\"ts\": \"2024-01-01 00:00:00.000\", \"symbol\": \"A\", \"price\": -Infinity}", "-Infinity is not a number JSON allows (a price must be finite)")]
    [InlineData("{\"ts\": \"2024-01-01T00:00:00Z\", \"symbol\": \"A\", \"price\": 1}", "'ts' \"2024-01-01T00:00:00Z\" is not a time in the form yyyy-MM-dd HH:mm:ss.fff")]
    [InlineData("{\"ts\": 17, \"symbol\": \"A\", \"price\": 1}", "'ts' is a number, expected a string yyyy-MM-dd HH:mm:ss.fff")]
    public void Bad_messages_are_counted_with_a_reason_that_names_the_problem(string message, string reason)
    {
        var builder = new PriceReportBuilder();
        Assert.True(builder.TryAdd(Encoding.UTF8.GetBytes("{\"ts\": \"2024-01-01 00:00:00.000\", \"symbol\": \"A\", \"price\": 1.25}"), out _));
        Assert.False(builder.TryAdd(Encoding.UTF8.GetBytes(message), out var why));
        builder.AddInvalid("line 2", why, Encoding.UTF8.GetBytes(message));

        var report = builder.Build();

        Assert.Equal((1L, 1L), (report.Count, report.Invalid));
        var invalid = Assert.Single(report.InvalidExamples);
        Assert.Equal(("line 2", message), (invalid.Location, invalid.Payload));
        Assert.StartsWith(reason, invalid.Reason);
    }

    [Theory]
    [InlineData("AAPL,XYZ=100:2.5", "AAPL:190:5 XYZ:100:2.5")]
    [InlineData(" MSFT , TSLA ", "MSFT:410:8 TSLA:250:15")]
    public void A_symbol_list_takes_defaults_by_name_and_explicit_distributions(string text, string expected)
    {
        Assert.Equal(expected, string.Join(" ", SymbolDistribution.ParseList(text).Select(s => $"{s.Symbol}:{s.Mean}:{s.StandardDeviation}")));
    }

    [Theory]
    [InlineData("XYZ", "'XYZ' has no default distribution; give it as XYZ=mean:std")]
    [InlineData("XYZ=100", "'XYZ=100' is not symbol=mean:std")]
    [InlineData("XYZ=100:0", "'XYZ=100:0' is not symbol=mean:std with a finite mean and a standard deviation above 0")]
    [InlineData("AAPL,AAPL", "'AAPL' is listed twice")]
    [InlineData(",", "no symbols given")]
    public void A_bad_symbol_list_is_refused_naming_the_entry(string text, string message)
    {
        Assert.StartsWith(message, Assert.Throws<FormatException>(() => SymbolDistribution.ParseList(text)).Message);
    }

    [Theory]
    [InlineData("2024-02-29 23:59:59.999", true)]
    [InlineData("0001-01-01 00:00:00.000", true)]
    [InlineData("2023-02-29 00:00:00.000", false)]
    [InlineData("2024-13-01 00:00:00.000", false)]
    [InlineData("2024-01-01 24:00:00.000", false)]
    [InlineData("2024-01-01 00:60:00.000", false)]
    [InlineData("2024-01-01 00:00:00.00", false)]
    [InlineData("2024-01-01T00:00:00.000", false)]
    [InlineData("2024-01-01 00:00:00.0a0", false)]
    [InlineData("2024-01-01 00:00:00\\u002E000", true)] // escaped in JSON: read through the general parser
    public void Timestamps_are_accepted_exactly_in_the_documented_form(string ts, bool accepted)
    {
        var ok = PriceTickParser.TryParse(Encoding.UTF8.GetBytes($"{{\"ts\": \"{ts}\", \"symbol\": \"A\", \"price\": 1}}"), out var tick, out var reason);

        Assert.True(ok == accepted, reason);
        if (accepted) Assert.Equal(DateTime.ParseExact(ts.Replace("\\u002E", ".", StringComparison.Ordinal), PriceTick.TimestampFormat, System.Globalization.CultureInfo.InvariantCulture), tick.Ts);
        if (accepted) Assert.Equal(DateTimeKind.Utc, tick.Ts.Kind);
    }

    [Fact]
    public void Builders_filled_over_parts_of_a_batch_and_merged_give_the_report_of_one_builder_over_the_whole()
    {
        var (ticks, _) = PriceGenerator.Generate(new PriceGenerationOptions { Count = 5_000, Outliers = 8, Seed = 12 });
        var messages = ticks.Select(t => t.ToJson()).ToList();
        // uneven parts (one of a single tick), with 25 bad messages: 15 in the first part, 10 in the third
        messages.InsertRange(0, Enumerable.Range(0, 15).Select(i => $"{{\"bad\": {i}"));
        messages.InsertRange(3_015, Enumerable.Range(15, 10).Select(i => $"{{\"bad\": {i}"));
        List<List<string>> parts = [messages[..3_000], messages[3_000..3_001], messages[3_001..]];
        var whole = Fill(new PriceReportBuilder(), messages, 0).Build();

        var merged = new PriceReportBuilder();
        var line = 0;
        foreach (var part in parts)
        {
            merged.Merge(Fill(new PriceReportBuilder(), part, line));
            line += part.Count;
        }
        var report = merged.Build();

        Assert.Equal((5_000L, 25L), (report.Count, report.Invalid));
        Assert.Equal(whole.Symbols.Select(s => (s.Symbol, s.Count, s.Min, s.Max)), report.Symbols.Select(s => (s.Symbol, s.Count, s.Min, s.Max)));
        foreach (var (expected, actual) in whole.Symbols.Zip(report.Symbols))
        {
            Assert.Equal(expected.Mean, actual.Mean, 9);
            Assert.Equal(expected.StandardDeviation, actual.StandardDeviation, 9);
        }
        Assert.Equal(8, report.Outliers.Count);
        Assert.Equal(whole.Outliers.Select(o => (o.Ts, o.Symbol, o.Price)), report.Outliers.Select(o => (o.Ts, o.Symbol, o.Price)));
        Assert.Equal(whole.Outliers.Select(o => Math.Round(o.ZScore, 9)), report.Outliers.Select(o => Math.Round(o.ZScore, 9)));
        Assert.Equal(whole.InvalidExamples, report.InvalidExamples);
        Assert.Equal("line 3020", report.InvalidExamples[^1].Location); // the first 20 in order: 15 of the first part, 5 of the third

        static PriceReportBuilder Fill(PriceReportBuilder builder, List<string> lines, int first)
        {
            foreach (var (message, i) in lines.Select((m, i) => (m, i)))
                if (!builder.TryAdd(Encoding.UTF8.GetBytes(message), out var reason)) builder.AddInvalid($"line {first + i + 1}", reason, Encoding.UTF8.GetBytes(message));
            return builder;
        }
    }

    [Fact]
    public void An_empty_batch_gives_an_empty_report()
    {
        var report = new PriceReportBuilder().Build();

        Assert.Equal((0L, 0, 0), (report.Count, report.Symbols.Count, report.Outliers.Count));
    }
}
