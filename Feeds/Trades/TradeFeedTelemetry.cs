using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Feeds.Trades;

/// <summary>Spans and metrics of the trade feed, under the service's <c>Pipeline.Feeds</c> source and meter.</summary>
static class TradeFeedTelemetry
{
    public const string Name = "Pipeline.Feeds";

    public static readonly ActivitySource Source = new(Name);
    static readonly Meter Meter = new(Name);

    public static readonly Counter<long> Connections =
        Meter.CreateCounter<long>("pipeline.feeds.trade_feed.connections", "{connection}", "WebSocket connections accepted by the trade feed");

    public static readonly UpDownCounter<long> ActiveConnections =
        Meter.CreateUpDownCounter<long>("pipeline.feeds.trade_feed.active_connections", "{connection}", "Trade feed connections currently replaying");

    /// <summary>Tagged <c>phase</c> = history | live.</summary>
    public static readonly Counter<long> MessagesSent =
        Meter.CreateCounter<long>("pipeline.feeds.trade_feed.messages_sent", "{message}", "Trade messages sent on the trade feed");
}
