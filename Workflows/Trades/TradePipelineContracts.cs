using System.Text.Json.Serialization;
using Temporalio.Activities;

namespace Workflows.Trades;

/// <summary>Live: the trades ingested since the last window. Backfill: every trade delivered in a day range.</summary>
/// <remarks>Named in JSON ("Backfill"), as an operator types it when starting a run; numbers in older histories still read.</remarks>
[JsonConverter(typeof(JsonStringEnumConverter<TradeWindowMode>))]
public enum TradeWindowMode { Live, Backfill }

public sealed record TradePipelineRequest
{
    public TradeWindowMode Mode { get; init; } = TradeWindowMode.Live;

    /// <summary>Backfill only: first and last delivery day (market time), inclusive.</summary>
    public DateOnly? FirstDay { get; init; }
    public DateOnly? LastDay { get; init; }

    public static TradePipelineRequest Live() => new();
    public static TradePipelineRequest Backfill(DateOnly first, DateOnly last) => new() { Mode = TradeWindowMode.Backfill, FirstDay = first, LastDay = last };
}

/// <summary>A delivery day (market time) in one area: the unit the pipeline recomputes and exports.</summary>
public sealed record DeliveryPartition(DateOnly DeliveryDate, string Area);

/// <summary>What a window covers, fixed once by the seal step so every later step works on the same set.</summary>
public sealed record SealedWindow(string WindowId, DateTime? IngestedAfter, DateTime? IngestedUpTo, IReadOnlyList<DeliveryPartition> Partitions);

public sealed record AggregateOutcome(int Products, int Trades, int TopProducts, int Findings);

public sealed record DetectOutcome(int Anomalies, string Method);

public sealed record ExportOutcome(int Files, long Rows, IReadOnlyList<string> Manifests);

public sealed record TradePipelineReport(string WindowId, int Partitions, int Products, int Trades, int Anomalies, int ExportedFiles);

/// <summary>
/// The trade pipeline's activities, implemented by Workers (PostgreSQL, Parquet, S3). Temporal runs each at least
/// once: every implementation must be idempotent for its window (docs/temporal.md, "Pipeline on Temporal").
/// </summary>
public interface ITradeActivities
{
    [Activity]
    Task<SealedWindow> SealWindowAsync(TradePipelineRequest request, string windowId);

    [Activity]
    Task<AggregateOutcome> AggregateAsync(SealedWindow window);

    [Activity]
    Task<DetectOutcome> DetectAsync(SealedWindow window);

    [Activity]
    Task<ExportOutcome> ExportAsync(SealedWindow window);
}
