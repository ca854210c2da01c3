using System.Security.Cryptography;
using Npgsql;
using NpgsqlTypes;

namespace Trades.Storage;

/// <summary>
/// A valid trade with the record it came from: the bytes exactly as received (a WebSocket/Kafka message, a CSV line)
/// and their position at the source (<c>topic[partition]@offset</c>, <c>file.csv:line</c>). The record is what goes
/// to quarantine if the leg turns out to conflict with one already stored.
/// </summary>
public sealed record ReceivedTrade(Trade Trade, byte[] Payload, string Location)
{
    /// <summary>A trade that arrived as its canonical JSON message (generated or replayed trades, tests).</summary>
    public static ReceivedTrade AsMessage(Trade trade, string location) => new(trade, Json.TradeJson.ToUtf8Bytes(trade), location);
}

/// <summary>A record that was rejected: why, the bytes exactly as received, and their position at the source.</summary>
public sealed record QuarantinedRecord(string Reason, byte[] Payload, string Location);

/// <summary>
/// What one store call did with the records it was given: legs new to the table, legs already stored with the same
/// values, records quarantined. <c>Inserted + Duplicates + Quarantined</c> is the number of records received.
/// </summary>
public sealed record StoreOutcome(int Inserted, int Duplicates, int Quarantined)
{
    public static StoreOutcome None { get; } = new(0, 0, 0);

    public static StoreOutcome operator +(StoreOutcome a, StoreOutcome b) =>
        new(a.Inserted + b.Inserted, a.Duplicates + b.Duplicates, a.Quarantined + b.Quarantined);
}

/// <summary>
/// Writes trades and rejected records into <c>pipeline.trades</c> and <c>pipeline.trade_quarantine</c>, inside the
/// caller's transaction, for the stream and the batch path alike. A batch of legs that are all new (the steady state
/// of a stream) is one binary COPY straight into the table. Otherwise (a replay, a file imported again) the legs go
/// through binary COPY into a staging table, then one insert that skips legs already stored, so repeats never
/// duplicate a (TradeId, Side). A repeat whose values differ from the stored leg is a conflicting duplicate: the stored
/// leg wins and the repeat's record is quarantined as received, never silently dropped.
/// </summary>
/// <remarks>
/// Quarantine holds one row per rejected record, keyed by its position at the source and its bytes: replaying the
/// same position (a Kafka batch retried, a file imported again) counts an occurrence instead of adding a row, while
/// two records with equal bytes at different positions (the BUY and SELL legs of one conflicting trade, a broken line
/// repeated in a file) stay two rows.
/// </remarks>
public static class TradeStore
{
    const string CreateStaging = """
        CREATE TEMP TABLE IF NOT EXISTS trade_staging (LIKE pipeline.trades INCLUDING DEFAULTS, received int NOT NULL) ON COMMIT DELETE ROWS
        """;

    const string Columns = """
        trade_id, side, remote_trade_id, product, delivery_start, delivery_end, execution_time,
            delivery_area, trade_phase, user_defined_block, self_trade, price, currency, volume, volume_unit, order_id, origin
        """;

    const string CopyStaging = $"COPY trade_staging ({Columns}, received) FROM STDIN (FORMAT BINARY)";

    const string CopyNew = $"COPY pipeline.trades ({Columns}) FROM STDIN (FORMAT BINARY)";

    const string AllNew = "all_new";

    // Within one batch the first occurrence of a leg wins (the lowest received index).
    const string InsertNew = $"""
        WITH inserted AS (
            INSERT INTO pipeline.trades ({Columns})
            SELECT DISTINCT ON (trade_id, side) {Columns} FROM trade_staging ORDER BY trade_id, side, received
            ON CONFLICT (trade_id, side) DO NOTHING
            RETURNING 1)
        SELECT count(*) FROM inserted
        """;

    const string FindConflicts = """
        SELECT s.received, s.trade_id, s.side, s.price::text, s.volume::text, t.price::text, t.volume::text,
               s.product, s.delivery_start, s.delivery_end, s.delivery_area, t.product, t.delivery_start, t.delivery_end, t.delivery_area
        FROM trade_staging s JOIN pipeline.trades t USING (trade_id, side)
        WHERE (s.price, s.volume, s.product, s.delivery_start, s.delivery_end, s.delivery_area, s.execution_time, s.order_id)
              IS DISTINCT FROM (t.price, t.volume, t.product, t.delivery_start, t.delivery_end, t.delivery_area, t.execution_time, t.order_id)
        ORDER BY s.received
        """;

    const string Quarantine = """
        INSERT INTO pipeline.trade_quarantine (origin, reason, payload, payload_sha256, location)
        SELECT $1, r, p, h, l FROM unnest($2::text[], $3::bytea[], $4::bytea[], $5::text[]) AS q(r, p, h, l)
        ON CONFLICT (location, payload_sha256)
        DO UPDATE SET occurrences = pipeline.trade_quarantine.occurrences + 1, last_seen_at = now()
        """;

    /// <summary>Stores valid trades and rejected records from one origin; all or nothing with the caller's transaction.</summary>
    public static async Task<StoreOutcome> StoreAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string origin,
        IReadOnlyList<ReceivedTrade> trades, IReadOnlyList<QuarantinedRecord> rejected, CancellationToken ct)
    {
        var inserted = 0;
        var conflicts = new List<QuarantinedRecord>();
        if (trades.Count > 0 && !RepeatsALeg(trades) && await TryCopyAllNewAsync(connection, transaction, origin, trades, ct))
            inserted = trades.Count;
        else if (trades.Count > 0)
        {
            await ExecuteAsync(connection, transaction, CreateStaging, ct);
            await CopyAsync(connection, CopyStaging, origin, trades, withReceived: true, ct);
            await using (var insert = new NpgsqlCommand(InsertNew, connection, transaction))
                inserted = (int)(long)(await insert.ExecuteScalarAsync(ct))!;
            if (inserted < trades.Count) conflicts = await FindConflictsAsync(connection, transaction, trades, ct);
        }
        var quarantined = rejected.Concat(conflicts).ToList();
        if (quarantined.Count > 0) await QuarantineAsync(connection, transaction, origin, quarantined, ct);
        return new StoreOutcome(inserted, trades.Count - inserted - conflicts.Count, quarantined.Count);
    }

    static bool RepeatsALeg(IReadOnlyList<ReceivedTrade> trades)
    {
        var legs = new HashSet<(long, TradeSide)>(trades.Count);
        foreach (var t in trades)
            if (!legs.Add((t.Trade.TradeId, t.Trade.Side))) return true;
        return false;
    }

    /// <summary>
    /// One COPY of the batch straight into <c>pipeline.trades</c>: as cheap as storing rows gets, and right when every
    /// leg is new. A leg already stored violates the primary key; the savepoint then undoes the partial COPY and the
    /// caller takes the staging path. Measured in docs/benchmarks.md (the ingestion benchmark).
    /// </summary>
    static async Task<bool> TryCopyAllNewAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string origin, IReadOnlyList<ReceivedTrade> trades, CancellationToken ct)
    {
        await transaction.SaveAsync(AllNew, ct);
        try
        {
            await CopyAsync(connection, CopyNew, origin, trades, withReceived: false, ct);
            await transaction.ReleaseAsync(AllNew, ct);
            return true;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            await transaction.RollbackAsync(AllNew, ct);
            return false;
        }
    }

    // Synchronous writes into COPY's buffer: per-field awaits cost more than the occasional blocking flush.
    static async Task CopyAsync(NpgsqlConnection connection, string copy, string origin, IReadOnlyList<ReceivedTrade> trades, bool withReceived, CancellationToken ct)
    {
        await using var writer = await connection.BeginBinaryImportAsync(copy, ct);
        for (var i = 0; i < trades.Count; i++)
        {
            var t = trades[i].Trade;
            writer.StartRow();
            writer.Write(t.TradeId, NpgsqlDbType.Bigint);
            writer.Write(TradeFormat.Side(t.Side), NpgsqlDbType.Text);
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
            if (withReceived) writer.Write(i, NpgsqlDbType.Integer);
        }
        await writer.CompleteAsync(ct);
    }

    /// <summary>Received legs whose (TradeId, Side) is stored with other values, each as the record it came from.</summary>
    static async Task<List<QuarantinedRecord>> FindConflictsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        IReadOnlyList<ReceivedTrade> trades, CancellationToken ct)
    {
        var conflicts = new List<QuarantinedRecord>();
        await using var command = new NpgsqlCommand(FindConflicts, connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var record = trades[reader.GetInt32(0)];
            var received = $"price {reader.GetString(3)}, volume {reader.GetString(4)}, {reader.GetString(7)} {reader.GetDateTime(8):O}-{reader.GetDateTime(9):O} {reader.GetString(10)}";
            var stored = $"price {reader.GetString(5)}, volume {reader.GetString(6)}, {reader.GetString(11)} {reader.GetDateTime(12):O}-{reader.GetDateTime(13):O} {reader.GetString(14)}";
            conflicts.Add(new QuarantinedRecord(
                $"conflicting duplicate: TradeId {reader.GetInt64(1)} {reader.GetString(2)} is already stored with different values (stored: {stored}; received: {received})",
                record.Payload, record.Location));
        }
        return conflicts;
    }

    static async Task QuarantineAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string origin, List<QuarantinedRecord> records, CancellationToken ct)
    {
        // A record seen twice in one call (a position repeated by the caller) is one row: ON CONFLICT cannot touch a row twice.
        var rows = records.Select(r => (Record: r, Hash: SHA256.HashData(r.Payload)))
            .DistinctBy(r => (r.Record.Location, Convert.ToHexString(r.Hash))).ToList();
        await using var command = new NpgsqlCommand(Quarantine, connection, transaction);
        command.Parameters.Add(new() { Value = origin });
        command.Parameters.Add(new() { Value = rows.Select(r => r.Record.Reason).ToArray() });
        command.Parameters.Add(new() { Value = rows.Select(r => r.Record.Payload).ToArray() });
        command.Parameters.Add(new() { Value = rows.Select(r => r.Hash).ToArray() });
        command.Parameters.Add(new() { Value = rows.Select(r => r.Record.Location).ToArray() });
        await command.ExecuteNonQueryAsync(ct);
    }

    static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(ct);
    }
}
