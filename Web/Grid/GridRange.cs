using System.Globalization;

namespace Web.Grid;

/// <summary>The day range of the grid pages, from <c>?from=&amp;to=</c>: by default the recorded, revised days 2025-12-01..03.</summary>
public static class GridRange
{
    public static readonly DateOnly DefaultFrom = new(2025, 12, 1), DefaultTo = new(2025, 12, 3);

    public static (DateOnly From, DateOnly To) Parse(string? from, string? to)
    {
        var first = Day(from) ?? DefaultFrom;
        var last = Day(to) ?? (Day(from) is { } f ? f : DefaultTo);
        return last < first || last.DayNumber - first.DayNumber >= GridApi.MaxDays ? (DefaultFrom, DefaultTo) : (first, last);
    }

    static DateOnly? Day(string? text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) ? day : null;

    public static string Number(double value, string format = "N0") => value.ToString(format, CultureInfo.InvariantCulture);
}
