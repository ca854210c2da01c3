using Meters.Capture;
using Npgsql;
using NpgsqlTypes;

namespace Meters.Storage;

/// <summary>
/// Writes raw records into <c>meters.raw_records</c> inside the caller's transaction (so a consumer commits its
/// offsets with the rows), each (topic, partition, offset) once however often it is written. A batch whose positions
/// are all new (the steady state of a consumer) is one binary COPY straight into the table. Otherwise (a replayed
/// batch, a capture imported twice) the records go through binary COPY into a session staging table, then one insert
/// that skips positions already stored.
/// </summary>
public static class RawRecordStore
{
    const string Columns = """topic, partition, "offset", key, value, "timestamp", timestamp_type, origin""";

    const string CreateStaging = """
        CREATE TEMP TABLE IF NOT EXISTS raw_record_staging (LIKE meters.raw_records INCLUDING DEFAULTS) ON COMMIT DELETE ROWS
        """;

    const string CopyStaging = $"COPY raw_record_staging ({Columns}) FROM STDIN (FORMAT BINARY)";

    const string CopyNew = $"COPY meters.raw_records ({Columns}) FROM STDIN (FORMAT BINARY)";

    const string AllNew = "raw_all_new";

    // A batch can hold a position twice (a capture file with repeated rows): the first occurrence wins.
    const string InsertNew = """
        WITH inserted AS (
            INSERT INTO meters.raw_records
            SELECT DISTINCT ON (topic, partition, "offset") * FROM raw_record_staging ORDER BY topic, partition, "offset", ctid
            ON CONFLICT (topic, partition, "offset") DO NOTHING
            RETURNING 1)
        SELECT count(*) FROM inserted
        """;

    /// <summary>Stores the records; returns how many were new. All or nothing with <paramref name="transaction"/>.</summary>
    public static async Task<int> StoreAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string origin, IReadOnlyList<RawRecord> records, CancellationToken ct)
    {
        if (records.Count == 0) return 0;
        using var span = MeterTelemetry.Source.StartActivity("meters.raw.store");
        var allNew = !RepeatsAPosition(records) && await TryCopyAllNewAsync(connection, transaction, origin, records, ct);
        var inserted = allNew ? records.Count : await InsertThroughStagingAsync(connection, transaction, origin, records, ct);
        MeterTelemetry.RawStored.Add(inserted);
        span?.SetTag("meters.raw.records", records.Count);
        span?.SetTag("meters.raw.inserted", inserted);
        span?.SetTag("meters.raw.path", allNew ? "copy" : "staging");
        return inserted;
    }

    static bool RepeatsAPosition(IReadOnlyList<RawRecord> records)
    {
        var positions = new HashSet<(string, int, long)>(records.Count);
        foreach (var r in records)
            if (!positions.Add((r.Topic, r.Partition, r.Offset))) return true;
        return false;
    }

    /// <summary>
    /// One COPY straight into <c>meters.raw_records</c>: as cheap as storing rows gets, and right when every position is
    /// new. A position already stored violates the primary key; the savepoint then undoes the partial COPY and the
    /// caller takes the staging path.
    /// </summary>
    static async Task<bool> TryCopyAllNewAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string origin, IReadOnlyList<RawRecord> records, CancellationToken ct)
    {
        await transaction.SaveAsync(AllNew, ct);
        try
        {
            await CopyAsync(connection, CopyNew, origin, records, ct);
            await transaction.ReleaseAsync(AllNew, ct);
            return true;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            await transaction.RollbackAsync(AllNew, ct);
            return false;
        }
    }

    static async Task<int> InsertThroughStagingAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string origin, IReadOnlyList<RawRecord> records, CancellationToken ct)
    {
        await using (var create = new NpgsqlCommand(CreateStaging, connection, transaction))
            await create.ExecuteNonQueryAsync(ct);
        await CopyAsync(connection, CopyStaging, origin, records, ct);
        await using var insert = new NpgsqlCommand(InsertNew, connection, transaction);
        return (int)(long)(await insert.ExecuteScalarAsync(ct))!;
    }

    // Synchronous writes into COPY's buffer: per-field awaits cost more than the occasional blocking flush.
    static async Task CopyAsync(NpgsqlConnection connection, string copy, string origin, IReadOnlyList<RawRecord> records, CancellationToken ct)
    {
        await using var writer = await connection.BeginBinaryImportAsync(copy, ct);
        foreach (var r in records)
        {
            writer.StartRow();
            writer.Write(r.Topic, NpgsqlDbType.Text);
            writer.Write(r.Partition, NpgsqlDbType.Integer);
            writer.Write(r.Offset, NpgsqlDbType.Bigint);
            if (r.Key is null) writer.WriteNull(); else writer.Write(r.Key, NpgsqlDbType.Bytea);
            if (r.Value is null) writer.WriteNull(); else writer.Write(r.Value, NpgsqlDbType.Bytea);
            if (r.Timestamp is { } at) writer.Write(at, NpgsqlDbType.TimestampTz); else writer.WriteNull();
            writer.Write((short)r.TimestampType, NpgsqlDbType.Smallint);
            writer.Write(origin, NpgsqlDbType.Text);
        }
        await writer.CompleteAsync(ct);
    }

    const string ReadRange = """
        SELECT topic, partition, "offset", key, value, "timestamp", timestamp_type FROM meters.raw_records
        WHERE topic = $1 ORDER BY partition, "offset"
        """;

    /// <summary>The stored records of a topic in log order.</summary>
    public static async Task<IReadOnlyList<RawRecord>> ReadAsync(NpgsqlDataSource dataSource, string topic, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(ReadRange, connection);
        command.Parameters.Add(new() { Value = topic });
        return await ReadRecordsAsync(command, ct);
    }

    /// <summary>Runs a query selecting topic, partition, offset, key, value, timestamp, timestamp_type.</summary>
    internal static async Task<IReadOnlyList<RawRecord>> ReadRecordsAsync(NpgsqlCommand command, CancellationToken ct)
    {
        var records = new List<RawRecord>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            records.Add(new RawRecord(reader.GetString(0), reader.GetInt32(1), reader.GetInt64(2),
                reader.IsDBNull(3) ? null : (byte[])reader[3], reader.IsDBNull(4) ? null : (byte[])reader[4],
                reader.IsDBNull(5) ? null : reader.GetDateTime(5), (KafkaTimestampType)reader.GetInt16(6)));
        return records;
    }
}
