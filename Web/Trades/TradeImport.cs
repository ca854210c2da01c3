using Npgsql;
using Trades;
using Trades.Csv;
using Trades.Storage;

namespace Web.Trades;

/// <summary>What one CSV upload did. <c>Inserted + Duplicates + Quarantined = Received</c>: every record is accounted for.</summary>
public sealed record ImportOutcome(string Origin, long Received, long Inserted, long Duplicates, long Quarantined);

/// <summary>
/// The REST batch import: the exchange CSV read by <see cref="TradeCsv"/> (the validation of the stream path) and stored by
/// <see cref="TradeStore"/> in batches, each batch one transaction, so a re-upload never duplicates a leg.
/// </summary>
public sealed class TradeImport(NpgsqlDataSource dataSource, TimeProvider time)
{
    const int BatchSize = 10_000;

    public async Task<ImportOutcome> ImportAsync(Stream csv, string fileName, string user, CancellationToken ct)
    {
        var origin = $"upload:{user}:{Path.GetFileName(fileName)}@{time.GetUtcNow():yyyy-MM-ddTHH:mm:ssZ}";
        var trades = new List<Trade>(BatchSize);
        var rejected = new List<QuarantinedRecord>();
        var total = new StoreOutcome(0, 0, 0);
        long received = 0;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        // TradeCsv reads synchronously; the request body is buffered to a temp file first so no sync I/O hits Kestrel.
        await using var buffered = await BufferAsync(csv, ct);
        foreach (var record in TradeCsv.Read(buffered))
        {
            received++;
            if (record.Trade is { } trade) trades.Add(trade);
            else rejected.Add(new QuarantinedRecord(record.Reason!, record.RawRecord ?? [], $"{fileName}:{record.LineNumber}"));
            if (trades.Count + rejected.Count >= BatchSize) total += await StoreAsync(connection, origin, trades, rejected, ct);
        }
        total += await StoreAsync(connection, origin, trades, rejected, ct);
        return new ImportOutcome(origin, received, total.Inserted, total.Duplicates, total.Quarantined);
    }

    static async Task<StoreOutcome> StoreAsync(NpgsqlConnection connection, string origin, List<Trade> trades, List<QuarantinedRecord> rejected, CancellationToken ct)
    {
        if (trades.Count == 0 && rejected.Count == 0) return new StoreOutcome(0, 0, 0);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var outcome = await TradeStore.StoreAsync(connection, transaction, origin, trades, rejected, ct);
        await transaction.CommitAsync(ct);
        trades.Clear();
        rejected.Clear();
        return outcome;
    }

    static async Task<Stream> BufferAsync(Stream body, CancellationToken ct)
    {
        var file = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose);
        await body.CopyToAsync(file, ct);
        file.Position = 0;
        return file;
    }
}
