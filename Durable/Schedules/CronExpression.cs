namespace Durable;

/// <summary>
/// A standard 5-field cron expression: minute hour day-of-month month day-of-week, with *, lists, ranges, steps and
/// month/day names. As in Vixie cron, when both day fields are restricted a day matches if either does.
/// </summary>
public sealed class CronExpression
{
    readonly bool[] _minutes = new bool[60], _hours = new bool[24], _days = new bool[32], _months = new bool[13], _weekdays = new bool[7];
    readonly bool _dayRestricted, _weekdayRestricted;

    public string Text { get; }

    CronExpression(string text)
    {
        Text = text;
        var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 5) throw new FormatException($"cron expression '{text}' must have 5 fields (minute hour day month weekday)");
        Parse(fields[0], _minutes, 0, 59, null, text);
        Parse(fields[1], _hours, 0, 23, null, text);
        _dayRestricted = Parse(fields[2], _days, 1, 31, null, text);
        Parse(fields[3], _months, 1, 12, ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], text);
        var weekdays = new bool[8];
        _weekdayRestricted = Parse(fields[4], weekdays, 0, 7, ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], text);
        for (var i = 0; i < 7; i++) _weekdays[i] = weekdays[i];
        if (weekdays[7]) _weekdays[0] = true; // 7 is Sunday too
    }

    public static CronExpression Parse(string text) => new(text.Trim());

    static bool Parse(string field, bool[] set, int min, int max, string[]? names, string text)
    {
        foreach (var part in field.Split(','))
        {
            var step = 1;
            var range = part;
            if (part.IndexOf('/') is var slash and >= 0)
            {
                step = int.Parse(part[(slash + 1)..]);
                range = part[..slash];
                if (step <= 0) throw new FormatException($"cron expression '{text}': step must be positive in '{part}'");
            }
            int from, to;
            if (range == "*") (from, to) = (min, max);
            else if (range.IndexOf('-') is var dash and > 0) (from, to) = (Value(range[..dash]), Value(range[(dash + 1)..]));
            else (from, to) = (Value(range), part.Contains('/') ? max : Value(range));
            if (from < min || to > max || from > to) throw new FormatException($"cron expression '{text}': '{part}' is outside {min}-{max}");
            for (var v = from; v <= to; v += step) set[v] = true;
        }
        return field != "*";

        int Value(string s)
        {
            if (int.TryParse(s, out var v)) return v;
            var index = names is null ? -1 : Array.FindIndex(names, n => string.Equals(n, s, StringComparison.OrdinalIgnoreCase));
            if (index < 0) throw new FormatException($"cron expression '{text}': '{s}' is not a value");
            return index + min;
        }
    }

    bool DayMatches(DateTime local)
    {
        var day = _days[local.Day];
        var weekday = _weekdays[(int)local.DayOfWeek];
        return _dayRestricted && _weekdayRestricted ? day || weekday : day && weekday;
    }

    /// <summary>The first occurrence strictly after <paramref name="after"/>, evaluated in <paramref name="zone"/>.</summary>
    public DateTimeOffset? Next(DateTimeOffset after, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(after, zone).DateTime;
        local = new DateTime(local.Year, local.Month, local.Day, local.Hour, local.Minute, 0).AddMinutes(1);
        var limit = local.AddYears(5);
        while (local < limit)
        {
            if (!_months[local.Month]) { local = new DateTime(local.Year, local.Month, 1).AddMonths(1); continue; }
            if (!DayMatches(local)) { local = local.Date.AddDays(1); continue; }
            if (!_hours[local.Hour]) { local = local.Date.AddHours(local.Hour + 1); continue; }
            if (!_minutes[local.Minute]) { local = local.AddMinutes(1); continue; }
            // Local times skipped by a DST jump do not exist; an ambiguous time fires once, at its first instant.
            if (zone.IsInvalidTime(local)) { local = local.AddMinutes(1); continue; }
            var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
            var candidate = new DateTimeOffset(local, offset);
            if (candidate > after) return candidate.ToUniversalTime();
            local = local.AddMinutes(1);
        }
        return null;
    }
}
