using System.Text;
using Meters.Processing;

namespace Meters.Tests;

public sealed class MeterParserTests
{
    [Theory]
    [InlineData("""{"t_measurement": 1716448158.5, "t_report": 1716448148.5, "device_id": "device1", "signal_name": "energy export"}""", "missing field(s) 'value'")]
    [InlineData("""{"t_measurement": 1716448158.5, "t_report": 1716448148.5, "device_id": "device1", "signal_name": "energy export", "value": "67"}""", "'value' is the string \"67\", expected a number")]
    [InlineData("""{"t_measurement": "NaN", "t_report": 1716448148.5, "device_id": "device1", "signal_name": "x", "value": 1}""", "'t_measurement' is the string \"NaN\", expected epoch seconds")]
    [InlineData("""{"t_measurement": 1, "t_report": 1, "device_id": "", "signal_name": "x", "value": 1}""", "'device_id' is empty")]
    [InlineData("""{"t_measurement": 1, "t_measurement": 1}""", "field 't_measurement' appears twice")]
    [InlineData("""[1, 2]""", "not a JSON object (starts with StartArray)")]
    public void Bad_messages_are_rejected_with_the_field_and_the_problem(string json, string reason)
    {
        Assert.False(MeterParser.TryParse(Encoding.UTF8.GetBytes(json), out _, out var actual));
        Assert.Equal(reason, actual);
    }

    [Fact]
    public void Malformed_json_says_so()
    {
        Assert.False(MeterParser.TryParse("{\"t_measurement\": 1,"u8, out _, out var reason));
        Assert.StartsWith("malformed JSON: ", reason);
    }

    [Fact]
    public void Epoch_seconds_keep_their_microseconds()
    {
        Assert.True(MeterParser.TryParse("""{"t_measurement": 1716448158.506203, "t_report": 1716448148.5062037, "device_id": "device1", "signal_name": "energy export", "value": 67}"""u8, out var meter, out _));
        Assert.Equal(new DateTime(2024, 5, 23, 7, 9, 18, DateTimeKind.Utc).AddTicks(5_062_030), meter.TMeasurement);
        Assert.Equal(67, meter.Value);
    }
}
