using System.Text.Json;

namespace Feeds.EnergyCharts;

/// <summary>One day of a time series endpoint: its instants and each series' values (null where the API has none).</summary>
sealed record DaySeries(long[] UnixSeconds, IReadOnlyList<(string Name, double?[] Values)> Series, string? Unit = null);

/// <summary>
/// The real payloads recorded from the public API (Recorded/, embedded; provenance in Recorded/PROVENANCE.md), read
/// once at start: public power and prices per local day (with the revisions of the days that have one) and installed power.
/// </summary>
sealed class RecordedDays
{
    const string Prefix = "Feeds.EnergyCharts.Recorded.";

    public Dictionary<DateOnly, DaySeries> PublicPower { get; } = [];
    public Dictionary<DateOnly, DaySeries> PublicPowerRevised { get; } = [];
    public Dictionary<DateOnly, DaySeries> Prices { get; } = [];
    public byte[] InstalledPowerYearly { get; private set; } = [];

    public static RecordedDays Load()
    {
        var recorded = new RecordedDays();
        var assembly = typeof(RecordedDays).Assembly;
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var name = resource[Prefix.Length..^".json".Length];
            if (name == "installed_power_de_yearly") { recorded.InstalledPowerYearly = buffer.ToArray(); continue; }
            using var json = JsonDocument.Parse(buffer.ToArray());
            var root = json.RootElement;
            var seconds = root.GetProperty("unix_seconds").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            if (name.StartsWith("price_de-lu_", StringComparison.Ordinal))
                recorded.Prices[DateOnly.Parse(name["price_de-lu_".Length..])] =
                    new DaySeries(seconds, [("price", Values(root.GetProperty("price")))], root.GetProperty("unit").GetString());
            else
            {
                var day = DateOnly.Parse(name["public_power_de_".Length..][..10]);
                var series = root.GetProperty("production_types").EnumerateArray().Select(t => (t.GetProperty("name").GetString()!, Values(t.GetProperty("data")))).ToList();
                (name.EndsWith("_v2", StringComparison.Ordinal) ? recorded.PublicPowerRevised : recorded.PublicPower)[day] = new DaySeries(seconds, series);
            }
        }
        return recorded;
    }

    static double?[] Values(JsonElement array) => [.. array.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? (double?)null : v.GetDouble())];
}
