using System.Globalization;

namespace Trades;

/// <summary>The canonical text of each field, shared by the CSV writer and the JSON messages.</summary>
public static class TradeFormat
{
    public static string Side(TradeSide side) => side == TradeSide.Buy ? "BUY" : "SELL";

    /// <summary>ISO-8601 UTC with a Z; milliseconds when <paramref name="milliseconds"/> or when the value has them.</summary>
    public static string Timestamp(DateTime utc, bool milliseconds)
    {
        var ticks = utc.Ticks % TimeSpan.TicksPerSecond;
        var format = ticks % TimeSpan.TicksPerMillisecond != 0 ? "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'"
            : milliseconds || ticks != 0 ? "yyyy-MM-dd'T'HH:mm:ss.fff'Z'"
            : "yyyy-MM-dd'T'HH:mm:ss'Z'";
        return utc.ToString(format, CultureInfo.InvariantCulture);
    }

    /// <summary>Decimals keep the scale they were parsed with, so a row read and written again is unchanged.</summary>
    public static string Number(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The 16 field values in column order.</summary>
    public static string[] Fields(Trade trade) =>
    [
        trade.TradeId.ToString(CultureInfo.InvariantCulture),
        trade.RemoteTradeId,
        Side(trade.Side),
        trade.Product,
        Timestamp(trade.DeliveryStart, milliseconds: false),
        Timestamp(trade.DeliveryEnd, milliseconds: false),
        Timestamp(trade.ExecutionTime, milliseconds: true),
        trade.DeliveryArea,
        trade.TradePhase,
        trade.UserDefinedBlock,
        trade.SelfTrade,
        Number(trade.Price),
        trade.Currency,
        Number(trade.Volume),
        trade.VolumeUnit,
        trade.OrderId.ToString(CultureInfo.InvariantCulture),
    ];
}
