using System.Globalization;

namespace Web.Components.Shared;

/// <summary>How times are shown: UTC, or market time (CET/CEST, Europe/Paris), always with the zone visible.</summary>
public enum DisplayZone { UTC, CET }

public static class ZonedTime
{
    static readonly TimeZoneInfo Market = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");

    public static DisplayZone Parse(string? value) => string.Equals(value, "CET", StringComparison.OrdinalIgnoreCase) ? DisplayZone.CET : DisplayZone.UTC;

    public static string Format(DateTimeOffset at, DisplayZone zone, string pattern = "yyyy-MM-dd HH:mm:ss")
    {
        if (zone == DisplayZone.UTC) return at.UtcDateTime.ToString(pattern, CultureInfo.InvariantCulture) + " UTC";
        var local = TimeZoneInfo.ConvertTime(at, Market);
        return local.ToString(pattern, CultureInfo.InvariantCulture) + (Market.IsDaylightSavingTime(local) ? " CEST" : " CET");
    }

    public static string Format(DateTimeOffset? at, DisplayZone zone, string pattern = "yyyy-MM-dd HH:mm:ss") => at is { } a ? Format(a, zone, pattern) : "—";

    public static string Number(double value, int digits = 2) => value.ToString("N" + digits, CultureInfo.InvariantCulture);

    /// <summary>Exact amounts (totals, prices as received) rounded for display only.</summary>
    public static string Number(decimal value, int digits = 2) => value.ToString("N" + digits, CultureInfo.InvariantCulture);
}
