using System.Globalization;
using System.Net;
using Trades.Generation;

namespace Feeds.Trades;

/// <summary>
/// What the trade feed serves and where (configuration section <c>TradeFeed</c>). The source is a generated day
/// (<see cref="Day"/>, <see cref="Area"/>, <see cref="Seed"/>, <see cref="Anomalies"/>, <see cref="Intensity"/>) or,
/// when <see cref="File"/> is set, a user's trades CSV in the exchange layout.
/// </summary>
public sealed record TradeFeedOptions
{
    public const string Section = "TradeFeed";

    /// <summary>The day the original exercise replays, and the one whose real facts the generator is calibrated on.</summary>
    public static readonly DateOnly DefaultDay = new(2023, 1, 1);

    /// <summary>Address the WebSocket listens on; 127.0.0.1 as the original, 0.0.0.0 in a container.</summary>
    public IPAddress Host { get; init; } = IPAddress.Loopback;

    /// <summary>8765 as the original; 0 picks a free port (the bound URL is on <c>GET /trades/feed</c>).</summary>
    public int Port { get; init; } = 8765;

    /// <summary>Replay speed: 1 is real time, 60 a minute per second; a huge value sends as fast as the client reads.</summary>
    public double Speed { get; init; } = 1;

    /// <summary>
    /// The replay day (market time): trades executed before 06:00 of it are history, the rest live. For a generated
    /// source also the delivery day generated; for a file, by default the earliest delivery day in it.
    /// </summary>
    public DateOnly? Day { get; init; }

    public string Area { get; init; } = "FR";

    public ulong Seed { get; init; } = 1;

    /// <summary>Price spikes and drops injected into the generated day (their ground truth is not served).</summary>
    public int Anomalies { get; init; }

    /// <summary>Multiplies the number of generated trades (1 = about 32,700 for FR).</summary>
    public double Intensity { get; init; } = 1;

    /// <summary>A trades CSV to serve instead of a generated day; relative paths are from the working directory.</summary>
    public string? File { get; init; }

    /// <summary>
    /// Reads the section, rejecting anything unusable with a message that names the setting and the value, so a
    /// typo stops the service at start instead of serving something else than the user asked for.
    /// </summary>
    public static TradeFeedOptions FromConfiguration(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var defaults = new TradeFeedOptions();
        var file = section["File"];
        return new TradeFeedOptions
        {
            Host = Read(section, "Host", defaults.Host, "an IP address or localhost", TryParseHost),
            Port = Read(section, "Port", defaults.Port, $"a TCP port from 0 to {IPEndPoint.MaxPort} (0 = any free port)",
                (string text, out int port) => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port <= IPEndPoint.MaxPort),
            Speed = Read(section, "Speed", defaults.Speed, "a number greater than 0 (1 = real time)", TryParsePositive),
            Day = Read(section, "Day", defaults.Day, "a date as yyyy-MM-dd", (string text, out DateOnly? day) =>
            {
                day = DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed) ? parsed : null;
                return day is not null;
            }),
            Area = Read(section, "Area", defaults.Area, "one of " + string.Join(", ", TradeGenerator.Areas), (string text, out string area) =>
            {
                area = TradeGenerator.Areas.FirstOrDefault(known => known.Equals(text, StringComparison.OrdinalIgnoreCase)) ?? "";
                return area.Length > 0;
            }),
            Seed = Read(section, "Seed", defaults.Seed, "a non-negative integer",
                (string text, out ulong seed) => ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out seed)),
            Anomalies = Read(section, "Anomalies", defaults.Anomalies, "a non-negative integer",
                (string text, out int count) => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out count)),
            Intensity = Read(section, "Intensity", defaults.Intensity, "a number greater than 0", TryParsePositive),
            File = string.IsNullOrWhiteSpace(file) ? null : file.Trim(),
        };
    }

    delegate bool TryParse<T>(string text, out T value);

    static T Read<T>(IConfigurationSection section, string key, T fallback, string expected, TryParse<T> parse)
    {
        var text = section[key];
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        return parse(text.Trim(), out var value) ? value : throw new TradeFeedConfigurationException($"{Section}:{key} '{text}' is not {expected}");
    }

    static bool TryParseHost(string text, out IPAddress address)
    {
        if (text.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            address = IPAddress.Loopback;
            return true;
        }
        address = IPAddress.TryParse(text, out var parsed) ? parsed : IPAddress.None;
        return parsed is not null;
    }

    static bool TryParsePositive(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && value > 0 && double.IsFinite(value);
}

/// <summary>The feed cannot serve what it was configured to (a bad setting, an unreadable file, a busy port).</summary>
public sealed class TradeFeedConfigurationException(string message) : Exception(message);
