namespace Trades;

public enum TradeSide
{
    Buy,
    Sell,
}

/// <summary>
/// One row of the exchange's continuous-intraday trade export (EPEX/XBID): a trade leg. A trade can appear twice,
/// as a BUY and a SELL row with the same <see cref="TradeId"/>. Times are UTC. Property order is the CSV column order.
/// </summary>
public sealed record Trade
{
    public required long TradeId { get; init; }

    /// <summary>The trade's id on the other side of a cross-border (XBID) match; may be empty.</summary>
    public required string RemoteTradeId { get; init; }

    public required TradeSide Side { get; init; }

    /// <summary>Product name, for example XBID_Hour_Power.</summary>
    public required string Product { get; init; }

    public required DateTime DeliveryStart { get; init; }

    public required DateTime DeliveryEnd { get; init; }

    public required DateTime ExecutionTime { get; init; }

    public required string DeliveryArea { get; init; }

    /// <summary>CONT for continuous trading.</summary>
    public required string TradePhase { get; init; }

    /// <summary>Y or N.</summary>
    public required string UserDefinedBlock { get; init; }

    /// <summary>Y, N or U (unknown).</summary>
    public required string SelfTrade { get; init; }

    /// <summary>Price per unit of volume, in <see cref="Currency"/> (EUR/MWh); can be negative.</summary>
    public required decimal Price { get; init; }

    public required string Currency { get; init; }

    /// <summary>Volume in <see cref="VolumeUnit"/>; always greater than zero.</summary>
    public required decimal Volume { get; init; }

    public required string VolumeUnit { get; init; }

    public required long OrderId { get; init; }

    /// <summary>The financial product this trade delivers.</summary>
    public FinancialProduct FinancialProduct => new(Product, DeliveryStart, DeliveryEnd, DeliveryArea);
}

/// <summary>What is traded: a product delivered in one area over one delivery period.</summary>
public sealed record FinancialProduct(string Product, DateTime DeliveryStart, DateTime DeliveryEnd, string DeliveryArea)
{
    /// <summary>The delivery day in market time (CET/CEST), the day the exchange files the product under.</summary>
    public DateOnly DeliveryDate => MarketTime.DeliveryDate(DeliveryStart);

    public override string ToString() => $"{Product} {DeliveryStart:yyyy-MM-ddTHH:mm}Z-{DeliveryEnd:HH:mm}Z {DeliveryArea}";
}

/// <summary>Known products, the columns of the exchange export and the market time zone.</summary>
public static class MarketTime
{
    /// <summary>All supported delivery areas (FR, DE, NL, BE, AT) trade in Central European Time.</summary>
    public static TimeZoneInfo Zone { get; } = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");

    public static DateOnly DeliveryDate(DateTime deliveryStartUtc) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(deliveryStartUtc, Zone));

    /// <summary>UTC instant of local midnight starting <paramref name="day"/>.</summary>
    public static DateTime StartOfDayUtc(DateOnly day) =>
        TimeZoneInfo.ConvertTimeToUtc(day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified), Zone);
}

public static class TradeColumns
{
    /// <summary>Column names in the order of the exchange export and of the WebSocket/Kafka JSON messages.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "TradeId", "RemoteTradeId", "Side", "Product", "DeliveryStart", "DeliveryEnd", "ExecutionTime", "DeliveryArea",
        "TradePhase", "UserDefinedBlock", "SelfTrade", "Price", "Currency", "Volume", "VolumeUnit", "OrderID",
    ];

    public const int Count = 16;

    public const string HourProduct = "XBID_Hour_Power";
    public const string HalfHourProduct = "XBID_Half_Hour_Power";
    public const string QuarterHourProduct = "XBID_Quarter_Hour_Power";
}
