using Npgsql;
using Trades.Csv;

namespace Trades.Storage;

/// <summary>What one file import did: records read from the file, and what became of them.</summary>
public sealed record FileImportOutcome(long Received, StoreOutcome Stored);

/// <summary>
/// The batch path: an exchange CSV read by <see cref="TradeCsv"/> (the stream path's validation) and stored by
/// <see cref="TradeStore"/> in batches, each batch one transaction. Every record is accounted for: a valid leg is
/// inserted or counted as already stored, an invalid or conflicting record is quarantined as its line, at
/// <c>fileName:line</c>. Importing the same file again adds no trade and no quarantine row.
/// </summary>
public static class TradeFileImport
{
    const int BatchSize = 10_000;

    /// <summary>Imports <paramref name="csv"/>; throws <see cref="TradeCsvFormatException"/> when it has no usable header.</summary>
    public static async Task<FileImportOutcome> ImportAsync(NpgsqlConnection connection, Stream csv, string fileName, string origin, CancellationToken ct)
    {
        var trades = new List<ReceivedTrade>(BatchSize);
        var rejected = new List<QuarantinedRecord>();
        var total = StoreOutcome.None;
        long received = 0;
        foreach (var record in TradeCsv.Read(csv))
        {
            received++;
            var location = $"{fileName}:{record.LineNumber}";
            if (record.Trade is { } trade) trades.Add(new ReceivedTrade(trade, record.RawRecord, location));
            else rejected.Add(new QuarantinedRecord(record.Reason!, record.RawRecord, location));
            if (trades.Count + rejected.Count >= BatchSize) total += await StoreAsync(connection, origin, trades, rejected, ct);
        }
        total += await StoreAsync(connection, origin, trades, rejected, ct);
        return new FileImportOutcome(received, total);
    }

    static async Task<StoreOutcome> StoreAsync(NpgsqlConnection connection, string origin, List<ReceivedTrade> trades, List<QuarantinedRecord> rejected, CancellationToken ct)
    {
        if (trades.Count == 0 && rejected.Count == 0) return StoreOutcome.None;
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var outcome = await TradeStore.StoreAsync(connection, transaction, origin, trades, rejected, ct);
        await transaction.CommitAsync(ct);
        trades.Clear();
        rejected.Clear();
        return outcome;
    }
}
