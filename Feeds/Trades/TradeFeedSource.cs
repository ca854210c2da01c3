using Trades;
using Trades.Csv;
using Trades.Generation;
using Trades.Json;

namespace Feeds.Trades;

/// <summary>One WebSocket message: a trade serialized once at load, sent as is to every connection.</summary>
public readonly record struct TradeMessage(long TradeId, TradeSide Side, DateTime ExecutionTime, ReadOnlyMemory<byte> Json);

/// <summary>A row of a user's file that is not served, with the reason (the validator's, or "duplicate").</summary>
public sealed record SkippedRow(long LineNumber, string Reason);

/// <summary>
/// The trades one connection replays, split at 06:00 market time (CET/CEST) of the replay day: <see cref="History"/>
/// is sent at once on connect, <see cref="Live"/> is paced by execution time. Both are in execution-time order and
/// hold each (TradeId, Side) once, so a client never gets a trade twice on one connection (the original feed sent
/// the live trades in the history burst too).
/// </summary>
public sealed record TradeFeedSource
{
    /// <summary>How many skipped rows are kept with their reason (all of them are counted).</summary>
    public const int SkippedRowSamples = 20;

    /// <summary>"generated" or "file".</summary>
    public required string Kind { get; init; }

    public string? File { get; init; }

    public required DateOnly Day { get; init; }

    /// <summary>The delivery areas in the trades, comma-separated.</summary>
    public required string Area { get; init; }

    /// <summary>06:00 market time of <see cref="Day"/>, in UTC: trades executed from then on are live.</summary>
    public required DateTime LiveFrom { get; init; }

    public required IReadOnlyList<TradeMessage> History { get; init; }

    public required IReadOnlyList<TradeMessage> Live { get; init; }

    /// <summary>Rows of a user's file that failed validation.</summary>
    public int InvalidRows { get; init; }

    /// <summary>Rows of a user's file repeating the (TradeId, Side) of an earlier row.</summary>
    public int DuplicateRows { get; init; }

    /// <summary>The first <see cref="SkippedRowSamples"/> invalid or duplicate rows, for the log.</summary>
    public IReadOnlyList<SkippedRow> SkippedSamples { get; init; } = [];

    public static TradeFeedSource Load(TradeFeedOptions options) =>
        options.File is { } file ? FromFile(file, options.Day) : Generate(options);

    static TradeFeedSource Generate(TradeFeedOptions options)
    {
        var day = options.Day ?? TradeFeedOptions.DefaultDay;
        var generated = TradeGenerator.GenerateDay(day, options.Area, options.Seed, options.Anomalies, options.Intensity);
        var messages = generated.Trades.Select(ToMessage).ToList();
        return Split("generated", null, day, generated.Area, messages);
    }

    static TradeFeedSource FromFile(string path, DateOnly? configuredDay)
    {
        var messages = new List<TradeMessage>();
        var seen = new HashSet<(long, TradeSide)>();
        var skipped = new List<SkippedRow>();
        var areas = new SortedSet<string>(StringComparer.Ordinal);
        DateTime? firstDelivery = null;
        int invalid = 0, duplicates = 0;
        try
        {
            foreach (var record in TradeCsv.Read(path))
            {
                if (record.Trade is not { } trade)
                {
                    invalid++;
                    Sample(new SkippedRow(record.LineNumber, record.Reason ?? "invalid"));
                    continue;
                }
                if (!seen.Add((trade.TradeId, trade.Side)))
                {
                    duplicates++;
                    Sample(new SkippedRow(record.LineNumber, $"duplicate of an earlier {TradeFormat.Side(trade.Side)} row of TradeId {trade.TradeId}"));
                    continue;
                }
                messages.Add(ToMessage(trade));
                areas.Add(trade.DeliveryArea);
                if (firstDelivery is null || trade.DeliveryStart < firstDelivery) firstDelivery = trade.DeliveryStart;
            }
        }
        catch (TradeCsvFormatException error)
        {
            throw new TradeFeedConfigurationException($"{TradeFeedOptions.Section}:File {path} is not a usable trades file: {error.Message}");
        }
        if (messages.Count == 0)
            throw new TradeFeedConfigurationException($"{TradeFeedOptions.Section}:File {path} has no valid trade ({invalid} invalid rows)");

        // A user's file need not be sorted; a stable sort keeps the file's order among trades executed together.
        var ordered = messages.OrderBy(message => message.ExecutionTime).ToList();
        var day = configuredDay ?? MarketTime.DeliveryDate(firstDelivery!.Value);
        return Split("file", Path.GetFullPath(path), day, string.Join(",", areas), ordered) with
        {
            InvalidRows = invalid,
            DuplicateRows = duplicates,
            SkippedSamples = skipped,
        };

        void Sample(SkippedRow row)
        {
            if (skipped.Count < SkippedRowSamples) skipped.Add(row);
        }
    }

    static TradeFeedSource Split(string kind, string? file, DateOnly day, string area, List<TradeMessage> ordered)
    {
        var liveFrom = TimeZoneInfo.ConvertTimeToUtc(day.ToDateTime(new TimeOnly(6, 0), DateTimeKind.Unspecified), MarketTime.Zone);
        var firstLive = ordered.FindIndex(message => message.ExecutionTime >= liveFrom);
        if (firstLive < 0) firstLive = ordered.Count;
        return new TradeFeedSource
        {
            Kind = kind,
            File = file,
            Day = day,
            Area = area,
            LiveFrom = liveFrom,
            History = ordered[..firstLive],
            Live = ordered[firstLive..],
        };
    }

    static TradeMessage ToMessage(Trade trade) => new(trade.TradeId, trade.Side, trade.ExecutionTime, TradeJson.ToUtf8Bytes(trade));
}
