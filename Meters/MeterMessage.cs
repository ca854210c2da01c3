using System.Text.Json.Serialization;

namespace Meters;

/// <summary>
/// One measurement as the meter producer sends it to Kafka: epoch seconds as JSON numbers, <c>t_report</c> 10 s
/// before <c>t_measurement</c> (as in the real capture).
/// </summary>
public sealed record MeterMessage(
    [property: JsonPropertyName("t_measurement")] double TMeasurement,
    [property: JsonPropertyName("t_report")] double TReport,
    [property: JsonPropertyName("device_id")] string DeviceId,
    [property: JsonPropertyName("signal_name")] string SignalName,
    [property: JsonPropertyName("value")] double Value);

/// <summary>A meter series: one signal of one device.</summary>
public readonly record struct MeterSeriesKey(string DeviceId, string SignalName)
{
    public override string ToString() => $"{DeviceId}/{SignalName}";
}
