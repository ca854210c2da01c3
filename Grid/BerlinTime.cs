namespace Grid;

/// <summary>
/// Energy-Charts days are local days in Germany: a day starts at local midnight (23:00Z in winter, 22:00Z in summer)
/// and has 92, 96 or 100 quarter hours. Every "day" in the grid tables is such a local day.
/// </summary>
public static class BerlinTime
{
    public static TimeZoneInfo Zone { get; } = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    public static DateTime StartOfDayUtc(DateOnly day) => TimeZoneInfo.ConvertTimeToUtc(day.ToDateTime(TimeOnly.MinValue), Zone);

    public static DateOnly DayOf(DateTime utc) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(utc, Zone));

    /// <summary>The local day's quarter hours as UTC instants: 96, or 92/100 on the daylight-saving days.</summary>
    public static IEnumerable<DateTime> QuarterHoursUtc(DateOnly day)
    {
        var end = StartOfDayUtc(day.AddDays(1));
        for (var t = StartOfDayUtc(day); t < end; t = t.AddMinutes(15)) yield return t;
    }
}
