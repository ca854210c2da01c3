using System.Text.Json;
using Meters.Generation;

namespace Meters.Tests;

/// <summary>The producer's messages: shape, ranges, drops, jitter, repeatability.</summary>
public sealed class MeterGeneratorTests
{
    static readonly MeterFeedOptions Options = new();

    static List<MeterMessage> Hour(MeterFeedOptions options, long firstTick = 171_645_120) =>
        Enumerable.Range(0, 360).SelectMany(i => MeterGenerator.At(firstTick + i, options)).ToList();

    [Fact]
    public void Each_message_has_the_five_fields_as_numbers_and_strings_with_t_report_10_s_before_t_measurement()
    {
        var message = MeterGenerator.At(171_645_120, Options with { SendProbability = 1 }).First();

        using var json = JsonDocument.Parse(MeterGenerator.ToJson(message));
        Assert.Equal(["t_measurement", "t_report", "device_id", "signal_name", "value"], json.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.Number, json.RootElement.GetProperty("t_measurement").ValueKind);
        Assert.Equal(1_716_451_200.0, json.RootElement.GetProperty("t_measurement").GetDouble());
        Assert.Equal(1_716_451_190.0, json.RootElement.GetProperty("t_report").GetDouble());
        Assert.Equal("device1", json.RootElement.GetProperty("device_id").GetString());
    }

    [Fact]
    public void Values_stay_in_each_series_range_and_about_half_the_measurements_are_dropped()
    {
        var messages = Hour(Options);

        foreach (var series in MeterOptions.DefaultSeries)
        {
            var values = messages.Where(m => m.DeviceId == series.DeviceId && m.SignalName == series.SignalName).Select(m => m.Value).ToList();
            Assert.InRange(values.Count, 140, 220); // 360 due, p = 0.5: 180 ± 4σ
            Assert.All(values, v => Assert.InRange(v, series.Min, series.Max));
            Assert.True(values.Max() - values.Min() > (series.Max - series.Min) * 0.8, $"{series.Key} values do not spread over the range");
        }
        Assert.All(messages, m => Assert.Equal(0, m.TMeasurement % 10));
    }

    [Fact]
    public void The_same_seed_repeats_the_same_messages_and_jitter_stays_within_its_bound()
    {
        var jittered = Options with { Jitter = TimeSpan.FromSeconds(2), Devices = ["device2"] };

        Assert.Equal(Hour(jittered), Hour(jittered));
        Assert.NotEqual(Hour(jittered), Hour(jittered with { Seed = 7 }));
        Assert.All(Hour(jittered), m => Assert.Equal("device2", m.DeviceId));
        var offsets = Hour(jittered).Select(m => Math.IEEERemainder(m.TMeasurement, 10)).ToList();
        Assert.All(offsets, o => Assert.InRange(o, -2, 2));
        Assert.Contains(offsets, o => Math.Abs(o) > 0.5);
    }

    [Theory]
    [InlineData(-0.1, "SendProbability must be between 0 and 1")]
    [InlineData(1.5, "SendProbability must be between 0 and 1")]
    public void Options_out_of_bounds_are_refused_with_the_reason(double probability, string problem) =>
        Assert.Equal(problem, (Options with { SendProbability = probability }).Validate());

    [Fact]
    public void An_unknown_device_selects_no_series_and_is_refused() =>
        Assert.Equal("no configured series of device(s) device9", (Options with { Devices = ["device9"] }).Validate());
}
