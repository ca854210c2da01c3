using System.Globalization;

namespace Prices;

/// <summary>One tick as sent to the <c>prices</c> topic: <c>{"ts": "yyyy-MM-dd HH:mm:ss.fff", "symbol": …, "price": …}</c>, ts in UTC.</summary>
public sealed record PriceTick(DateTime Ts, string Symbol, double Price)
{
    public const string TimestampFormat = "yyyy-MM-dd HH:mm:ss.fff";

    /// <summary>The message as the producer writes it: price with two decimals.</summary>
    public string ToJson() => string.Create(CultureInfo.InvariantCulture,
        $"{{\"ts\": \"{Ts.ToString(TimestampFormat, CultureInfo.InvariantCulture)}\", \"symbol\": {System.Text.Json.JsonSerializer.Serialize(Symbol)}, \"price\": {Price:F2}}}");
}
