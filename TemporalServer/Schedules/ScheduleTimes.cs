using System.Globalization;
using Temporalio.Api.Schedule.V1;

namespace TemporalServer.Schedules;

/// <summary>
/// The times a <see cref="ScheduleSpec"/> matches: interval specs (every <c>interval</c> since the Unix epoch,
/// shifted by <c>phase</c>), structured calendars and cron strings (5 fields, converted to calendars), in the
/// spec's time zone, between its start and end time. Exclusions and jitter are not applied.
/// </summary>
sealed class ScheduleTimes
{
    static readonly TimeSpan SearchHorizon = TimeSpan.FromDays(5 * 366);

    readonly ScheduleSpec _spec;
    readonly TimeZoneInfo _zone;
    readonly List<Calendar> _calendars;

    public ScheduleTimes(ScheduleSpec spec)
    {
        _spec = spec;
        _zone = Zone(spec.TimezoneName);
        _calendars = spec.StructuredCalendar.Select(Calendar.From).Concat(spec.CronString.Select(Calendar.FromCron)).ToList();
        foreach (var interval in spec.Interval)
        {
            if (interval.Interval is null || interval.Interval.ToTimeSpan() <= TimeSpan.Zero)
                throw new ScheduleSpecException("an interval spec needs a positive interval");
        }
        if (spec.Calendar.Count > 0)
            throw new ScheduleSpecException("calendar specs in string form are not supported; use structured calendars or cron strings");
    }

    /// <summary>
    /// Temporal keeps a cron string as the structured calendar it means (describe shows the calendar): so does this
    /// server. A spec with neither times nor calendars is valid: its schedule acts only when triggered or backfilled.
    /// </summary>
    public static void CronStringsToCalendars(ScheduleSpec spec)
    {
        foreach (var cron in spec.CronString) spec.StructuredCalendar.Add(Calendar.FromCron(cron).ToStructured());
        spec.CronString.Clear();
    }

    /// <summary>The first matching time strictly after <paramref name="after"/> (UTC), or null when there is none.</summary>
    public DateTime? Next(DateTime after)
    {
        if (_spec.StartTime is { } start && after < start.ToDateTime()) after = start.ToDateTime().AddTicks(-1);
        DateTime? next = null;
        foreach (var interval in _spec.Interval)
        {
            var every = interval.Interval.ToTimeSpan().Ticks;
            var phase = interval.Phase?.ToTimeSpan().Ticks ?? 0;
            var sinceEpoch = after.Ticks - DateTime.UnixEpoch.Ticks - phase;
            var candidate = new DateTime(DateTime.UnixEpoch.Ticks + phase + ((Math.DivRem(sinceEpoch, every, out var rest) + (rest < 0 ? 0 : 1)) * every), DateTimeKind.Utc);
            next = Min(next, candidate);
        }
        foreach (var calendar in _calendars) next = Min(next, calendar.Next(after, _zone));
        return _spec.EndTime is { } end && next > end.ToDateTime() ? null : next;
    }

    /// <summary>Every matching time in (<paramref name="after"/>, <paramref name="until"/>], at most <paramref name="limit"/>.</summary>
    public IEnumerable<DateTime> Between(DateTime after, DateTime until, int limit = int.MaxValue)
    {
        for (var next = Next(after); next is { } t && t <= until && limit-- > 0; next = Next(t)) yield return t;
    }

    static DateTime? Min(DateTime? a, DateTime? b) => a is null ? b : b is null ? a : a < b ? a : b;

    static TimeZoneInfo Zone(string name)
    {
        if (string.IsNullOrEmpty(name)) return TimeZoneInfo.Utc;
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(name);
        }
        catch (TimeZoneNotFoundException)
        {
            throw new ScheduleSpecException($"unknown time zone {name}");
        }
    }

    /// <summary>Allowed values of each calendar field; the search walks days, then hours, minutes and seconds.</summary>
    sealed record Calendar(int[] Seconds, int[] Minutes, int[] Hours, HashSet<int> DaysOfMonth, HashSet<int> Months, HashSet<int> DaysOfWeek, HashSet<int>? Years)
    {
        public static Calendar From(StructuredCalendarSpec spec) => new(
            Values(spec.Second, 0, 59, 0).ToArray(), Values(spec.Minute, 0, 59, 0).ToArray(), Values(spec.Hour, 0, 23, 0).ToArray(),
            Values(spec.DayOfMonth, 1, 31, null).ToHashSet(), Values(spec.Month, 1, 12, null).ToHashSet(),
            Values(spec.DayOfWeek, 0, 6, null).ToHashSet(), spec.Year.Count == 0 ? null : Values(spec.Year, 1970, 9999, null).ToHashSet());

        /// <summary>Unset seconds, minutes and hours mean 0; unset days, months and years mean every one (as Temporal).</summary>
        static IEnumerable<int> Values(IEnumerable<Temporalio.Api.Schedule.V1.Range> ranges, int min, int max, int? unset)
        {
            var list = ranges.ToList();
            if (list.Count == 0) return unset is { } only ? [only] : Enumerable.Range(min, max - min + 1);
            return list.SelectMany(r =>
            {
                var end = r.End == 0 ? r.Start : r.End;
                var step = r.Step == 0 ? 1 : r.Step;
                if (r.Start < min || end > max || end < r.Start) throw new ScheduleSpecException($"calendar range {r.Start}-{end} is outside {min}-{max}");
                return Enumerable.Range(0, ((end - r.Start) / step) + 1).Select(i => r.Start + (i * step));
            }).Distinct().Order();
        }

        static readonly string[] MonthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
        static readonly string[] DayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

        /// <summary>
        /// "minute hour day-of-month month day-of-week", each <c>*</c>, <c>n</c>, <c>a-b</c>, lists and <c>/step</c>;
        /// months and days of the week also by name (JAN, MON).
        /// </summary>
        public static Calendar FromCron(string cron)
        {
            var fields = cron.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != 5) throw new ScheduleSpecException($"cron string '{cron}' must have 5 fields (minute hour day-of-month month day-of-week)");
            var dayOfWeek = CronField(Numbered(fields[4], DayNames, 0), 0, 7, cron).Select(d => d % 7).ToHashSet();
            return new Calendar([0], CronField(fields[0], 0, 59, cron).ToArray(), CronField(fields[1], 0, 23, cron).ToArray(),
                CronField(fields[2], 1, 31, cron).ToHashSet(), CronField(Numbered(fields[3], MonthNames, 1), 1, 12, cron).ToHashSet(), dayOfWeek, null);
        }

        static string Numbered(string field, string[] names, int first)
        {
            for (var i = 0; i < names.Length; i++) field = field.Replace(names[i], (first + i).ToString(CultureInfo.InvariantCulture), StringComparison.OrdinalIgnoreCase);
            return field;
        }

        /// <summary>The calendar as Temporal's structured form: each field's values as ranges of consecutive values.</summary>
        public StructuredCalendarSpec ToStructured()
        {
            var spec = new StructuredCalendarSpec();
            spec.Second.AddRange(Ranges(Seconds));
            spec.Minute.AddRange(Ranges(Minutes));
            spec.Hour.AddRange(Ranges(Hours));
            spec.DayOfMonth.AddRange(Ranges(DaysOfMonth));
            spec.Month.AddRange(Ranges(Months));
            spec.DayOfWeek.AddRange(Ranges(DaysOfWeek));
            if (Years is not null) spec.Year.AddRange(Ranges(Years));
            return spec;
        }

        static IEnumerable<Temporalio.Api.Schedule.V1.Range> Ranges(IEnumerable<int> values)
        {
            var sorted = values.Order().ToList();
            for (var i = 0; i < sorted.Count;)
            {
                var end = i;
                while (end + 1 < sorted.Count && sorted[end + 1] == sorted[end] + 1) end++;
                yield return new Temporalio.Api.Schedule.V1.Range { Start = sorted[i], End = sorted[end], Step = 1 };
                i = end + 1;
            }
        }

        static IEnumerable<int> CronField(string field, int min, int max, string cron)
        {
            var values = new SortedSet<int>();
            foreach (var part in field.Split(','))
            {
                var (range, stepText) = part.Split('/') switch { [var r] => (r, "1"), [var r, var s] => (r, s), _ => throw Bad() };
                var (from, to) = range is "*" or "?" ? (min, max)
                    : range.Split('-') is [var a, var b] ? (Number(a), Number(b))
                    : stepText == "1" ? (Number(range), Number(range)) : (Number(range), max);
                var step = Number(stepText);
                if (from < min || to > max || from > to || step < 1) throw Bad();
                for (var v = from; v <= to; v += step) values.Add(v);
            }
            return values;

            int Number(string text) => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw Bad();
            ScheduleSpecException Bad() => new($"cron string '{cron}': invalid field '{field}' (allowed {min}-{max})");
        }

        public DateTime? Next(DateTime afterUtc, TimeZoneInfo zone)
        {
            var local = TimeZoneInfo.ConvertTimeFromUtc(afterUtc, zone);
            for (var day = local.Date; day - local.Date <= SearchHorizon; day = day.AddDays(1))
            {
                if (!Months.Contains(day.Month) || !DaysOfMonth.Contains(day.Day) || !DaysOfWeek.Contains((int)day.DayOfWeek)) continue;
                if (Years is not null && !Years.Contains(day.Year)) continue;
                foreach (var h in Hours)
                    foreach (var m in Minutes)
                        foreach (var s in Seconds)
                        {
                            var candidate = day.Add(new TimeSpan(h, m, s));
                            if (candidate <= local || zone.IsInvalidTime(candidate)) continue;
                            return TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(candidate, DateTimeKind.Unspecified), zone);
                        }
            }
            return null;
        }
    }
}

/// <summary>A schedule spec this server cannot act on; answered INVALID_ARGUMENT naming the problem.</summary>
sealed class ScheduleSpecException(string message) : Exception(message);
