using System.Globalization;
using System.Text.RegularExpressions;
using Temporalio.Api.Schedule.V1;
using TemporalServer.Schedules;

namespace TemporalServer.Executions;

/// <summary>
/// A workflow's <c>cron_schedule</c>, as Temporal reads it: 5-field cron (UTC, or the zone of a <c>CRON_TZ=</c> prefix),
/// <c>@yearly</c>, <c>@monthly</c>, <c>@weekly</c>, <c>@daily</c>, <c>@hourly</c>, and <c>@every &lt;duration&gt;</c>
/// (Go durations: 90s, 1h30m), counted from the time the current run was due.
/// </summary>
static partial class WorkflowCron
{
    static readonly Dictionary<string, string> Descriptors = new(StringComparer.OrdinalIgnoreCase)
    {
        ["@yearly"] = "0 0 1 1 *",
        ["@annually"] = "0 0 1 1 *",
        ["@monthly"] = "0 0 1 * *",
        ["@weekly"] = "0 0 * * 0",
        ["@daily"] = "0 0 * * *",
        ["@midnight"] = "0 0 * * *",
        ["@hourly"] = "0 * * * *",
    };

    /// <summary>Throws <see cref="ScheduleSpecException"/> naming what is wrong when the schedule cannot be read.</summary>
    public static void Validate(string cron) => Next(cron, DateTime.UtcNow, DateTime.UtcNow);

    /// <summary>
    /// How long a new cron workflow waits for its first run; zero without a schedule. A child's schedule comes from a
    /// command the server does not validate: an unreadable one makes the child an ordinary workflow.
    /// </summary>
    public static TimeSpan FirstBackoff(string cron)
    {
        if (string.IsNullOrEmpty(cron)) return TimeSpan.Zero;
        var now = DateTime.UtcNow;
        return TryBackoff(cron, now, now) ?? TimeSpan.Zero;
    }

    /// <summary>How long after <paramref name="now"/> the next run starts, or null when the schedule is unreadable or has no next time.</summary>
    public static TimeSpan? TryBackoff(string cron, DateTime runDue, DateTime now)
    {
        try
        {
            return Next(cron, runDue, now) - now;
        }
        catch (ScheduleSpecException)
        {
            return null;
        }
    }

    static DateTime? Next(string cron, DateTime runDue, DateTime now)
    {
        var text = cron.Trim();
        if (text.StartsWith("@every ", StringComparison.OrdinalIgnoreCase))
        {
            var every = GoDuration(text["@every ".Length..].Trim(), cron);
            var elapsed = now - runDue;
            return runDue + (every * (Math.Floor(elapsed / every) + 1));
        }
        var zone = "";
        if (text.StartsWith("CRON_TZ=", StringComparison.Ordinal) || text.StartsWith("TZ=", StringComparison.Ordinal))
        {
            var space = text.IndexOf(' ');
            if (space < 0) throw new ScheduleSpecException($"cron schedule '{cron}' has a time zone but no schedule");
            zone = text[(text.IndexOf('=') + 1)..space];
            text = text[(space + 1)..].Trim();
        }
        if (Descriptors.TryGetValue(text, out var expanded)) text = expanded;
        return new ScheduleTimes(new ScheduleSpec { CronString = { text }, TimezoneName = zone }).Next(now);
    }

    static TimeSpan GoDuration(string text, string cron)
    {
        var matches = DurationPart().Matches(text);
        if (matches.Count == 0 || string.Concat(matches.Select(m => m.Value)) != text)
            throw new ScheduleSpecException($"cron schedule '{cron}': '{text}' is not a duration like 30s, 5m or 1h30m");
        var total = TimeSpan.Zero;
        foreach (Match m in matches)
        {
            var value = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            total += m.Groups[2].Value switch
            {
                "h" => TimeSpan.FromHours(value),
                "m" => TimeSpan.FromMinutes(value),
                "s" => TimeSpan.FromSeconds(value),
                "ms" => TimeSpan.FromMilliseconds(value),
                _ => TimeSpan.FromMicroseconds(m.Groups[2].Value == "ns" ? value / 1000 : value),
            };
        }
        return total > TimeSpan.Zero ? total : throw new ScheduleSpecException($"cron schedule '{cron}': the interval must be positive");
    }

    [GeneratedRegex(@"(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)")]
    private static partial Regex DurationPart();
}
