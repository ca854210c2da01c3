using System.Security.Cryptography;
using Npgsql;
using NpgsqlTypes;

namespace Trades.Storage;

/// <summary>A record that failed validation: why, the bytes as received, and where they came from.</summary>
public sealed record QuarantinedRecord(string Reason, byte[] Payload, string? Location);

/// <summary>What one store call did: rows new to the table, legs already there, records quarantined.</summary>
public sealed record StoreOutcome(int Inserted, int Duplicates, int Quarantined)
{
    public static StoreOutcome operator +(StoreOutcome a, StoreOutcome b) =>
        new(a.Inserted + b.Inserted, a.Duplicates + b.Duplicates, a.Quarantined + b.Quarantined);
}

/// <summary>
/// Writes trades and quarantined records into <c>pipeline.trades</c> and <c>pipeline.trade_quarantine</c>, inside
/// the caller's transaction, for the stream and the batch path alike. Trades go through binary COPY into a staging
/// table, then one insert that skips legs already stored, so repeats never duplicate a (TradeId, Side). A repeat
/// whose values differ from the stored leg is a conflicting duplicate: the stored leg wins and the repeat is
/// quarantined with the differences, never silently dropped.
/// </summary>
public static class TradeStore
{
    const string CreateStaging = """
        CREATE TEMP TABLE IF NOT EXISTS trade_staging (LIKE pipeline.trades INCLUDING DEFAULTS) ON COMMIT DELETE ROWS
        """;

    const string CopyStaging = """
        COPY trade_staging (trade_id, side, remote_trade_id, product, delivery_start, delivery_end, execution_time,
            delivery_area, trade_phase, user_defined_block, self_trade, price, currency, volume, volume_unit, order_id, origin)
        FROM STDIN (FORMAT BINARY)
        """;

    // Within one batch the first occurrence of a leg wins (DISTINCT ON keeps staging order by ctid).
    const string InsertNew = """
        WITH inserted AS (
            INSERT INTO pipeline.trades
            SELECT DISTINCT ON (trade_id, side) * FROM trade_staging ORDER BY trade_id, side, ctid
            ON CONFLICT (trade_id, side) DO NOTHING
            RETURNING 1)
        SELECT count(*) FROM inserted
        """;

    const string FindConflicts = """
        SELECT s.trade_id, s.side, s.price::text, s.volume::text, t.price::text, t.volume::text,
               s.product, s.delivery_start, s.delivery_end, s.delivery_area, t.product, t.delivery_start, t.delivery_end, t.delivery_area
        FROM trade_staging s JOIN pipeline.trades t USING (trade_id, side)
        WHERE (s.price, s.volume, s.product, s.delivery_start, s.delivery_end, s.delivery_area, s.execution_time, s.order_id)
              IS DISTINCT FROM (t.price, t.volume, t.product, t.delivery_start, t.delivery_end, t.delivery_area, t.execution_time, t.order_id)
        """;

    const string Quarantine = """
        INSERT INTO pipeline.trade_quarantine (origin, reason, payload, payload_sha256, location)
        SELECT $1, r, p, h, l FROM unnest($2::text[], $3::bytea[], $4::bytea[], $5::text[]) AS q(r, p, h, l)
        ON CONFLICT (origin, payload_sha256)
        DO UPDATE SET occurrences = pipeline.trade_quarantine.occurrences + 1, last_seen_at = now()
        """;

    /// <summary>Stores valid trades and quarantined records from one origin; all or nothing with the caller's transaction.</summary>
    public static async Task<StoreOutcome> StoreAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string origin,
        IReadOnlyList<Trade> trades, IReadOnlyList<QuarantinedRecord> rejected, CancellationToken ct)
    {
        var inserted = 0;
        var conflicts = new List<QuarantinedRecord>();
        if (trades.Count > 0)
        {
            await ExecuteAsync(connection, transaction, CreateStaging, ct);
            await CopyAsync(connection, origin, trades, ct);
            await using (var insert = new NpgsqlCommand(InsertNew, connection, transaction))
                inserted = (int)(long)(await insert.ExecuteScalarAsync(ct))!;
            // Every leg was new (the steady state of a stream): nothing can conflict, skip the comparison.
            if (inserted < trades.Count) conflicts = await FindConflictsAsync(connection, transaction, ct);
        }
        var quarantined = rejected.Concat(conflicts).ToList();
        if (quarantined.Count > 0) await QuarantineAsync(connection, transaction, origin, quarantined, ct);
        return new StoreOutcome(inserted, trades.Count - inserted - conflicts.Count, quarantined.Count);
    }

    // Synchronous writes into COPY's buffer: per-field awaits cost more than the occasional blocking flush.
    static async Task CopyAsync(NpgsqlConnection connection, string origin, IReadOnlyList<Trade> trades, CancellationToken ct)
    {
        await using var writer = await connection.BeginBinaryImportAsync(CopyStaging, ct);
        foreach (var t in trades)
        {
            writer.StartRow();
            writer.Write(t.TradeId, NpgsqlDbType.Bigint);
            writer.Write(t.Side == TradeSide.Buy ? "BUY" : "SELL", NpgsqlDbType.Text);
            writer.Write(t.RemoteTradeId, NpgsqlDbType.Text);
            writer.Write(t.Product, NpgsqlDbType.Text);
            writer.Write(t.DeliveryStart, NpgsqlDbType.TimestampTz);
            writer.Write(t.DeliveryEnd, NpgsqlDbType.TimestampTz);
            writer.Write(t.ExecutionTime, NpgsqlDbType.TimestampTz);
            writer.Write(t.DeliveryArea, NpgsqlDbType.Text);
            writer.Write(t.TradePhase, NpgsqlDbType.Text);
            writer.Write(t.UserDefinedBlock, NpgsqlDbType.Text);
            writer.Write(t.SelfTrade, NpgsqlDbType.Text);
            writer.Write(t.Price, NpgsqlDbType.Numeric);
            writer.Write(t.Currency, NpgsqlDbType.Text);
            writer.Write(t.Volume, NpgsqlDbType.Numeric);
            writer.Write(t.VolumeUnit, NpgsqlDbType.Text);
            writer.Write(t.OrderId, NpgsqlDbType.Bigint);
            writer.Write(origin, NpgsqlDbType.Text);
        }
        await writer.CompleteAsync(ct);
    }

    static async Task<List<QuarantinedRecord>> FindConflictsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        var conflicts = new List<QuarantinedRecord>();
        await using var command = new NpgsqlCommand(FindConflicts, connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var key = $"TradeId {reader.GetInt64(0)} {reader.GetString(1)}";
            var received = $"price {reader.GetString(2)}, volume {reader.GetString(3)}, {reader.GetString(6)} {reader.GetDateTime(7):O}-{reader.GetDateTime(8):O} {reader.GetString(9)}";
            var stored = $"price {reader.GetString(4)}, volume {reader.GetString(5)}, {reader.GetString(10)} {reader.GetDateTime(11):O}-{reader.GetDateTime(12):O} {reader.GetString(13)}";
            conflicts.Add(new QuarantinedRecord(
                $"conflicting duplicate: {key} is already stored with different values (stored: {stored}; received: {received})",
                System.Text.Encoding.UTF8.GetBytes(received), key));
        }
        return conflicts;
    }

    static async Task QuarantineAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string origin, List<QuarantinedRecord> records, CancellationToken ct)
    {
        // One row per distinct payload: a batch can hold the same bad payload twice, which ON CONFLICT cannot touch twice.
        var distinct = records.GroupBy(r => Convert.ToHexString(SHA256.HashData(r.Payload))).Select(g => g.First()).ToList();
        await using var command = new NpgsqlCommand(Quarantine, connection, transaction);
        command.Parameters.Add(new() { Value = origin });
        command.Parameters.Add(new() { Value = distinct.Select(r => r.Reason).ToArray() });
        command.Parameters.Add(new() { Value = distinct.Select(r => r.Payload).ToArray() });
        command.Parameters.Add(new() { Value = distinct.Select(r => SHA256.HashData(r.Payload)).ToArray() });
        command.Parameters.Add(new() { Value = distinct.Select(r => r.Location).ToArray() });
        await command.ExecuteNonQueryAsync(ct);
    }

    static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(ct);
    }
}
