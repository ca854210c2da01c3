using System.Text;
using Trades.Csv;

namespace Trades.Tests;

public sealed class TradeCsvTests
{
    private static List<TradeCsvRecord> Read(string text) => [.. TradeCsv.Read(new MemoryStream(Encoding.UTF8.GetBytes(text)))];

    [Fact]
    public void The_real_sample_reads_as_two_valid_trades()
    {
        var records = TradeCsv.Read(TestFiles.Fixture("sample.csv")).ToList();

        Assert.Equal(2, records.Count);
        Assert.All(records, record => Assert.True(record.IsValid, record.Reason));
        Assert.Equal([1363439822L, 1363439823L], records.Select(r => r.Trade!.TradeId));
        Assert.Equal(0.8m, records[1].Trade!.Volume);
        Assert.Equal(3, records[1].LineNumber);
    }

    [Fact]
    public void Writing_what_was_read_reproduces_the_records_byte_for_byte()
    {
        var original = File.ReadAllLines(TestFiles.Fixture("sample.csv"));
        var trades = TradeCsv.Read(TestFiles.Fixture("sample.csv")).Select(r => r.Trade!).ToList();
        var stream = new MemoryStream();

        TradeCsv.Write(stream, trades, "sample");

        var written = Encoding.UTF8.GetString(stream.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("# sample", written[0]);
        Assert.Equal(original, written[1..]);
    }

    [Fact]
    public void The_comment_line_is_skipped_and_crlf_line_ends_are_accepted()
    {
        var sample = File.ReadAllText(TestFiles.Fixture("sample.csv")).ReplaceLineEndings("\r\n");

        var records = Read("# Continuous trades FR\r\n" + sample);

        Assert.Equal(2, records.Count(r => r.IsValid));
        Assert.Equal(4, records[^1].LineNumber);
    }

    [Fact]
    public void Columns_in_another_order_are_mapped_by_header()
    {
        var lines = File.ReadAllLines(TestFiles.Fixture("sample.csv")).Select(l => l.Split(',')).ToList();
        var swapped = lines.Select(f => string.Join(',', [f[15], .. f[..15]]));

        var records = Read(string.Join('\n', swapped));

        Assert.Equal(13550086602, records[0].Trade!.OrderId);
    }

    [Fact]
    public void A_header_without_a_column_is_a_format_error_naming_it()
    {
        var error = Assert.Throws<TradeCsvFormatException>(() => Read("# c\nTradeId,Side\n1,SELL\n"));

        Assert.Contains("line 2: the header lacks columns RemoteTradeId, Product", error.Message);
    }

    [Fact]
    public void An_empty_file_is_a_format_error()
    {
        Assert.Contains("no header", Assert.Throws<TradeCsvFormatException>(() => Read("")).Message);
    }

    [Fact]
    public void Invalid_records_are_returned_with_line_reason_and_raw_bytes_and_reading_goes_on()
    {
        var sample = File.ReadAllLines(TestFiles.Fixture("sample.csv"));
        var broken = sample[1].Replace("-5.03", "abc", StringComparison.Ordinal);
        var huge = sample[1] + new string('x', 10_000);

        var records = Read(string.Join('\n', sample[0], broken, huge, sample[2]) + "\n");

        Assert.Equal(3, records.Count);
        Assert.Equal("Price 'abc' is not a decimal number", records[0].Reason);
        Assert.Equal(broken, Encoding.UTF8.GetString(records[0].RawRecord!));
        Assert.Equal(3, records[1].LineNumber);
        Assert.StartsWith("the record is over 4,096 bytes", records[1].Reason);
        Assert.Equal(1024, records[1].RawRecord!.Length);
        Assert.True(records[2].IsValid);
        Assert.Equal(4, records[2].LineNumber);
    }

    [Fact]
    public void A_missing_file_is_reported_with_its_path()
    {
        var error = Assert.Throws<TradeCsvFormatException>(() => TradeCsv.Read("/no/such/trades.csv"));

        Assert.Contains("/no/such/trades.csv", error.Message);
    }
}
