namespace Trades.Validation;

/// <summary>The outcome of validating one record: a trade, or the precise reason it was rejected.</summary>
public readonly record struct TradeValidation(Trade? Trade, string? Reason)
{
    public bool IsValid => Trade is not null;

    public static TradeValidation Valid(Trade trade) => new(trade, null);

    public static TradeValidation Invalid(string reason) => new(null, reason);
}

/// <summary>Limits and reference lists the validator checks against.</summary>
public sealed record TradeValidationRules
{
    /// <summary>A JSON message or CSV record larger than this is rejected unread (real records are about 200 bytes).</summary>
    public int MaxRecordBytes { get; init; } = 4096;

    /// <summary>Currencies of the European power exchanges.</summary>
    public IReadOnlySet<string> Currencies { get; init; } =
        new HashSet<string>(StringComparer.Ordinal) { "EUR", "GBP", "CHF", "PLN", "CZK", "HUF", "RON", "BGN", "SEK", "NOK", "DKK" };

    /// <summary>Volume units of the export: energy (MWH) or power (MW).</summary>
    public IReadOnlySet<string> VolumeUnits { get; init; } = new HashSet<string>(StringComparer.Ordinal) { "MWH", "MW" };

    /// <summary>
    /// Prices and volumes with more decimal places are rejected (exchanges send 2 for prices, 1 to 3 for volumes): every
    /// accepted value is stored exactly, in PostgreSQL as received and in Parquet as DECIMAL(18, 6).
    /// </summary>
    public const int MaxDecimalPlaces = 6;

    /// <summary>Prices outside ±this are rejected (the SDAC/SIDC harmonised limits are ±9,999 EUR/MWh).</summary>
    public decimal MaxAbsolutePrice { get; init; } = 100_000m;

    /// <summary>Volumes above this are rejected as implausible.</summary>
    public decimal MaxVolume { get; init; } = 100_000m;

    /// <summary>Longest accepted text field (Product, DeliveryArea, RemoteTradeId...).</summary>
    public int MaxTextLength { get; init; } = 64;
}
