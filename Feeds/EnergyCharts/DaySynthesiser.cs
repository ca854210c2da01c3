using Grid;

namespace Feeds.EnergyCharts;

/// <summary>
/// Plausible data for days nobody recorded, so backfills over any range have something to fetch. A synthesised day
/// takes the shape of a recorded day (by local time of day: 2020 days with Nuclear before the last reactors closed on
/// 2023-04-15, 2025 days after), scales each series by a factor of 0.85–1.15 and adds ±3 % per point, all drawn from a
/// hash of the day and series, so the same day is always the same data. It has the local day's real length: 92 quarter
/// hours on the last Sunday of March, 100 on the last Sunday of October. Prices are hourly until 2025-09-30 and
/// quarter-hourly after, like the real day-ahead auction. Responses say which days were synthesised.
/// </summary>
sealed class DaySynthesiser(RecordedDays recorded)
{
    static readonly DateOnly NuclearPhaseOut = new(2023, 4, 15);
    static readonly DateOnly QuarterHourlyPrices = new(2025, 10, 1);

    public DaySeries PublicPower(DateOnly day)
    {
        var templates = recorded.PublicPower.Where(d => d.Key < NuclearPhaseOut == day < NuclearPhaseOut).OrderBy(d => d.Key).Select(d => d.Value).ToList();
        var template = templates[day.DayNumber % templates.Count];
        var times = Steps(day, TimeSpan.FromMinutes(15));
        var series = template.Series.Select(s =>
        {
            var share = s.Name.Contains("share", StringComparison.OrdinalIgnoreCase);
            var values = times.Select((t, i) => s.Values[SlotOf(t, 15)] is { } v ? Vary(v, day, s.Name, i, share) : (double?)null).ToArray();
            return (s.Name, values);
        }).ToList();
        return new DaySeries(Seconds(times), series);
    }

    public DaySeries Price(DateOnly day)
    {
        var minutes = day >= QuarterHourlyPrices ? 15 : 60;
        var templates = recorded.Prices.Where(d => d.Value.UnixSeconds.Length == 24 * 60 / minutes).OrderBy(d => d.Key).Select(d => d.Value).ToList();
        var template = templates[day.DayNumber % templates.Count];
        var times = Steps(day, TimeSpan.FromMinutes(minutes));
        var prices = times.Select((t, i) => template.Series[0].Values[SlotOf(t, minutes)] is { } v ? Math.Round(v * Factor(day, "price", -1) + Noise(day, "price", i) * 5, 2) : (double?)null).ToArray();
        return new DaySeries(Seconds(times), [("price", prices)], template.Unit);
    }

    static List<DateTime> Steps(DateOnly day, TimeSpan step)
    {
        var times = new List<DateTime>();
        for (var t = BerlinTime.StartOfDayUtc(day); t < BerlinTime.StartOfDayUtc(day.AddDays(1)); t += step) times.Add(t);
        return times;
    }

    /// <summary>The template's slot for the same local time of day (the repeated autumn hour reads the same slot twice).</summary>
    static int SlotOf(DateTime utc, int minutes)
    {
        var local = TimeZoneInfo.ConvertTimeFromUtc(utc, BerlinTime.Zone);
        return (local.Hour * 60 + local.Minute) / minutes;
    }

    static long[] Seconds(List<DateTime> times) => [.. times.Select(t => (long)(t - DateTime.UnixEpoch).TotalSeconds)];

    static double Vary(double value, DateOnly day, string series, int index, bool share)
    {
        var varied = value * Factor(day, series, -1) * (1 + 0.03 * Noise(day, series, index));
        return Math.Round(share ? Math.Clamp(varied, 0, 100) : varied, 1);
    }

    static double Factor(DateOnly day, string series, int index) => 1 + 0.15 * Noise(day, series, index);

    /// <summary>A number in [-1, 1) fixed by the day, the series and the point (FNV-1a then SplitMix64: stable across runs and machines).</summary>
    static double Noise(DateOnly day, string series, int index)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in series) hash = (hash ^ c) * 1099511628211UL;
        var x = hash ^ ((ulong)day.DayNumber << 20) ^ (ulong)(index + 1);
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        x ^= x >> 31;
        return (x >> 11) * (2.0 / (1UL << 53)) - 1;
    }
}
