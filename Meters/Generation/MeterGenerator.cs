using System.Text.Json;

namespace Meters.Generation;

/// <summary>
/// The meter producer's messages for one tick of the grid, as a pure function of the options and the tick: every
/// series due at the tick is sent with <see cref="MeterFeedOptions.SendProbability"/>, its t_measurement jittered and
/// its value drawn uniformly from the series' range, all from a random source seeded by (seed, series, tick).
/// </summary>
public static class MeterGenerator
{
    /// <summary>The tick at or before <paramref name="time"/>, aligned to the Unix epoch like the cleaning grid.</summary>
    public static long TickAtOrBefore(DateTime time, TimeSpan interval) => (time.Ticks - DateTime.UnixEpoch.Ticks) / interval.Ticks;

    public static DateTime TimeOf(long tick, TimeSpan interval) => new(DateTime.UnixEpoch.Ticks + tick * interval.Ticks, DateTimeKind.Utc);

    public static IEnumerable<MeterMessage> At(long tick, MeterFeedOptions options)
    {
        var series = options.SelectedSeries;
        for (var i = 0; i < series.Count; i++)
        {
            var random = new Random(StableSeed(options.Seed, series[i].Key, tick));
            if (random.NextDouble() >= options.SendProbability) continue;
            var jitter = (random.NextDouble() * 2 - 1) * options.Jitter.TotalSeconds;
            var measured = (TimeOf(tick, options.Interval) - DateTime.UnixEpoch).TotalSeconds + jitter;
            // microseconds, as the real producer's time.time() prints them
            measured = Math.Round(measured, 6);
            var value = Math.Round(series[i].Min + random.NextDouble() * (series[i].Max - series[i].Min), 6);
            yield return new MeterMessage(measured, measured - options.ReportLag.TotalSeconds, series[i].DeviceId, series[i].SignalName, value);
        }
    }

    /// <summary>FNV-1a over the seed, the series and the tick: unlike <see cref="HashCode"/>, the same in every process.</summary>
    static int StableSeed(int seed, MeterSeriesKey series, long tick)
    {
        const ulong Prime = 1099511628211;
        var hash = 14695981039346656037 ^ (uint)seed;
        foreach (var c in series.ToString()) hash = (hash ^ c) * Prime;
        for (var shift = 0; shift < 64; shift += 8) hash = (hash ^ (byte)(tick >> shift)) * Prime;
        return (int)(hash ^ (hash >> 32));
    }

    public static byte[] ToJson(MeterMessage message) => JsonSerializer.SerializeToUtf8Bytes(message);
}
