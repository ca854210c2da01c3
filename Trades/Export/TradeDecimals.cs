using Trades.Validation;

namespace Trades.Export;

/// <summary>
/// The DECIMAL types of prices and volumes in Parquet files. Every accepted value fits: the validator allows at most
/// <see cref="TradeValidationRules.MaxDecimalPlaces"/> decimal places and magnitudes up to 100,000 (6 + 6 digits);
/// a product's total volume gets ten more integer digits.
/// </summary>
internal static class TradeDecimals
{
    public const int Scale = TradeValidationRules.MaxDecimalPlaces;
    public const int Precision = 18;
    public const int TotalPrecision = 28;
}
