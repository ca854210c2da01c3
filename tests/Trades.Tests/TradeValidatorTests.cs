using System.Text;
using Trades.Json;
using Trades.Validation;

namespace Trades.Tests;

public sealed class TradeValidatorTests
{
    private const string ValidJson = """{"TradeId":"1363439822","RemoteTradeId":"221153888","Side":"SELL","Product":"XBID_Hour_Power","DeliveryStart":"2023-01-01T10:00:00Z","DeliveryEnd":"2023-01-01T11:00:00Z","ExecutionTime":"2022-12-31T16:05:06.392Z","DeliveryArea":"FR","TradePhase":"CONT","UserDefinedBlock":"N","SelfTrade":"U","Price":"-5.03","Currency":"EUR","Volume":"5","VolumeUnit":"MWH","OrderID":"13550086602"}""";
    private const string ValidCsv = "1363439822,221153888,SELL,XBID_Hour_Power,2023-01-01T10:00:00Z,2023-01-01T11:00:00Z,2022-12-31T16:05:06.392Z,FR,CONT,N,U,-5.03,EUR,5,MWH,13550086602";

    private static TradeValidation Json(string json) => TradeValidator.Default.ValidateJson(Encoding.UTF8.GetBytes(json));

    private static string Replace(string field, string value) => ValidJson.Replace($"\"{field}\":\"", $"\"{field}\":\"{value}\u0000", StringComparison.Ordinal) is var marked
        ? System.Text.RegularExpressions.Regex.Replace(marked, "\u0000[^\"]*\"", "\"")
        : ValidJson;

    [Fact]
    public void A_valid_message_becomes_a_trade_with_every_field()
    {
        var result = Json(ValidJson);

        Assert.True(result.IsValid, result.Reason);
        var trade = result.Trade!;
        Assert.Equal(1363439822, trade.TradeId);
        Assert.Equal(TradeSide.Sell, trade.Side);
        Assert.Equal(new DateTime(2023, 1, 1, 10, 0, 0, DateTimeKind.Utc), trade.DeliveryStart);
        Assert.Equal(new DateTime(2022, 12, 31, 16, 5, 6, 392, DateTimeKind.Utc), trade.ExecutionTime);
        Assert.Equal(-5.03m, trade.Price);
        Assert.Equal(5m, trade.Volume);
        Assert.Equal(13550086602, trade.OrderId);
    }

    [Fact]
    public void A_message_written_by_TradeJson_validates_back_to_the_same_trade()
    {
        var trade = Json(ValidJson).Trade!;

        Assert.Equal(trade, TradeValidator.Default.ValidateJson(TradeJson.ToUtf8Bytes(trade)).Trade);
        Assert.Equal(ValidJson, Encoding.UTF8.GetString(TradeJson.ToUtf8Bytes(trade)));
    }

    [Fact]
    public void A_csv_record_and_the_json_message_give_the_same_trade()
    {
        Assert.Equal(Json(ValidJson).Trade, TradeValidator.Default.ValidateCsvRecord(Encoding.UTF8.GetBytes(ValidCsv)).Trade);
    }

    [Theory]
    [InlineData("""{"TradeId":"1",""", "malformed JSON")]
    [InlineData("not json", "malformed JSON")]
    [InlineData("[1,2]", "the message is a JSON array, expected an object")]
    [InlineData("{}", "missing fields TradeId, RemoteTradeId, Side")]
    [InlineData("", "malformed JSON")]
    public void Broken_json_is_rejected_with_the_problem(string json, string reason)
    {
        var result = Json(json);

        Assert.False(result.IsValid);
        Assert.Contains(reason, result.Reason);
    }

    [Fact]
    public void A_missing_field_is_named()
    {
        var json = ValidJson.Replace("\"Price\":\"-5.03\",", "", StringComparison.Ordinal);

        Assert.Equal("missing field Price", Json(json).Reason);
    }

    [Fact]
    public void A_value_of_the_wrong_json_type_is_rejected()
    {
        Assert.Equal("Price must be a JSON string, got number", Json(ValidJson.Replace("\"-5.03\"", "-5.03", StringComparison.Ordinal)).Reason);
        Assert.Equal("Volume must be a JSON string, got null", Json(ValidJson.Replace("\"Volume\":\"5\"", "\"Volume\":null", StringComparison.Ordinal)).Reason);
    }

    [Fact]
    public void Unknown_and_repeated_fields_are_rejected()
    {
        Assert.Equal("unexpected field 'Extra'", Json(ValidJson.Replace("{", "{\"Extra\":\"1\",", StringComparison.Ordinal)).Reason);
        Assert.Equal("field Side appears twice", Json(ValidJson.Replace("{", "{\"Side\":\"BUY\",", StringComparison.Ordinal)).Reason);
    }

    [Theory]
    [InlineData("Price", "abc", "Price 'abc' is not a decimal number")]
    [InlineData("Price", "1e5", "Price '1e5' is not a decimal number")]
    [InlineData("Price", "1,5", "Price '1,5' is not a decimal number")]
    [InlineData("Volume", "-1", "Volume '-1' must be greater than 0")]
    [InlineData("Volume", "0", "Volume '0' must be greater than 0")]
    [InlineData("Volume", "", "Volume is missing")]
    [InlineData("Currency", "USD", "Currency 'USD' is not a known currency")]
    [InlineData("VolumeUnit", "kWh", "VolumeUnit 'kWh' is not a known volume unit")]
    [InlineData("Side", "HOLD", "Side 'HOLD' is not BUY or SELL")]
    [InlineData("TradeId", "12a", "TradeId '12a' is not a positive integer")]
    [InlineData("OrderID", "-4", "OrderID '-4' is not a positive integer")]
    [InlineData("ExecutionTime", "2022-12-31 16:05:06", "ExecutionTime '2022-12-31 16:05:06' is not an ISO-8601 UTC timestamp")]
    [InlineData("ExecutionTime", "2022-02-30T16:05:06Z", "ExecutionTime '2022-02-30T16:05:06Z' is not an ISO-8601 UTC timestamp")]
    [InlineData("DeliveryStart", "2023-01-01T10:00:00+01:00", "DeliveryStart '2023-01-01T10:00:00+01:00' is not an ISO-8601 UTC timestamp")]
    [InlineData("DeliveryEnd", "2023-01-01T10:00:00Z", "DeliveryEnd '2023-01-01T10:00:00Z' is not after DeliveryStart '2023-01-01T10:00:00Z'")]
    [InlineData("DeliveryEnd", "2023-01-01T09:00:00Z", "DeliveryEnd '2023-01-01T09:00:00Z' is not after DeliveryStart")]
    [InlineData("UserDefinedBlock", "maybe", "UserDefinedBlock 'maybe' is not Y or N")]
    [InlineData("Product", "XBID Hour", "Product 'XBID Hour' is not a product name")]
    public void A_field_with_a_bad_value_is_rejected_with_a_precise_reason(string field, string value, string reason)
    {
        var result = Json(Replace(field, value));

        Assert.False(result.IsValid);
        Assert.StartsWith(reason, result.Reason);
    }

    [Fact]
    public void A_huge_payload_is_rejected_before_parsing()
    {
        var huge = ValidJson.Replace("\"CONT\"", "\"" + new string('C', 10_000) + "\"", StringComparison.Ordinal);

        Assert.Equal($"the record is {Encoding.UTF8.GetByteCount(huge):N0} bytes, larger than the limit of 4,096", Json(huge).Reason);
    }

    [Fact]
    public void Invalid_utf8_is_rejected_with_its_offset()
    {
        var bytes = Encoding.UTF8.GetBytes(ValidJson);
        bytes[20] = 0xC3;
        bytes[21] = 0x28;

        Assert.Equal("the record is not valid UTF-8 (invalid byte 0xC3 at offset 20)", TradeValidator.Default.ValidateJson(bytes).Reason);
    }

    [Theory]
    [InlineData("1,2,3", "the record has 3 fields, expected 16")]
    [InlineData(ValidCsv + ",extra", "the record has 17 fields, expected 16")]
    [InlineData("\"1363439822,221153888,SELL", "malformed CSV: unbalanced quotes")]
    public void A_csv_record_with_the_wrong_shape_is_rejected(string record, string reason)
    {
        Assert.Equal(reason, TradeValidator.Default.ValidateCsvRecord(Encoding.UTF8.GetBytes(record)).Reason);
    }

    [Fact]
    public void Quoted_csv_fields_are_unquoted()
    {
        var quoted = ValidCsv.Replace("XBID_Hour_Power", "\"XBID_Hour_Power\"", StringComparison.Ordinal);

        Assert.Equal("XBID_Hour_Power", TradeValidator.Default.ValidateCsvRecord(Encoding.UTF8.GetBytes(quoted)).Trade?.Product);
    }

    [Fact]
    public void Control_characters_in_a_reason_are_escaped()
    {
        var result = Json(Replace("Side", "\\u0007"));

        Assert.Equal("Side '\\u0007' is not BUY or SELL", result.Reason);
    }
}
