using System.Diagnostics;
using Confluent.Kafka;
using Trades.Storage;
using Trades.Validation;
using Workers.Ingestion;

namespace Workers.Trades;

/// <summary>
/// Kafka <c>energy.trades.v1</c> → validated, de-duplicated trade legs in PostgreSQL; invalid messages to quarantine
/// with the reason and the raw bytes. Offsets are stored in the same transaction, so a crash never loses or doubles a batch.
/// </summary>
sealed class TradeIngestion([FromKeyedServices(TradeIngestion.Group)] TransactionalKafkaConsumer consumer, TradeFeedReader feed, ILogger<TradeIngestion> logger)
    : KafkaIngestionService<TradeIngestion.Validated>(consumer)
{
    public const string Topic = "energy.trades.v1";
    public const string Group = "workers-trades";

    // A batch's two halves as spans under the consumer's "process" span: where its time goes shows in the dashboard.
    static readonly ActivitySource Source = new("Pipeline.Trades");

    protected override TransactionalKafkaConsumer.Options Options { get; } = new(Topic, MaxBatch: 20_000, MaxWaitMs: 250);

    /// <summary>A batch's valid trades and rejected records, each with the record it came from.</summary>
    public sealed record Validated(List<ReceivedTrade> Trades, List<QuarantinedRecord> Rejected);

    public override Validated Prepare(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> records, CancellationToken ct)
    {
        using var span = Source.StartActivity("trades validate");
        span?.SetTag("messaging.batch.message_count", records.Count);
        // Parsing was half of a batch's time: spread it over every core while PostgreSQL stores the batch before.
        var validations = new TradeValidation[records.Count];
        Parallel.For(0, records.Count, new ParallelOptions { CancellationToken = ct }, i => validations[i] = TradeValidator.Default.ValidateJson(records[i].Message.Value ?? []));
        var trades = new List<ReceivedTrade>(records.Count);
        var rejected = new List<QuarantinedRecord>();
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            var payload = record.Message.Value ?? [];
            var location = $"{record.Topic}[{record.Partition.Value}]@{record.Offset.Value}";
            if (validations[i].Trade is { } trade) trades.Add(new ReceivedTrade(trade, payload, location));
            else rejected.Add(new QuarantinedRecord(validations[i].Reason!, payload, location));
        }
        span?.SetTag("pipeline.trades.rejected", rejected.Count);
        return new Validated(trades, rejected);
    }

    public override async Task StoreAsync(KafkaBatch batch, Validated rows, CancellationToken ct)
    {
        using var span = Source.StartActivity("trades store");
        var outcome = await TradeStore.StoreAsync(batch.Connection, batch.Transaction, "kafka:" + Topic, rows.Trades, rows.Rejected, ct);
        span?.SetTag("pipeline.trades.inserted", outcome.Inserted);
        span?.SetTag("pipeline.trades.duplicates", outcome.Duplicates);
        span?.SetTag("pipeline.trades.quarantined", outcome.Quarantined);
        if (outcome.Quarantined > 0) logger.LogWarning("{Count} trade message(s) quarantined", outcome.Quarantined);
    }

    /// <summary>Trades lost in Kafka are still at the source: ask the feed for its history again (duplicates are ignored).</summary>
    protected override Task OnGapAsync(OffsetGap gap, CancellationToken ct)
    {
        feed.RequestReplay($"offsets {gap.FirstMissing}..{gap.LastMissing} of {gap.Topic}[{gap.Partition}] were lost");
        return Task.CompletedTask;
    }
}
