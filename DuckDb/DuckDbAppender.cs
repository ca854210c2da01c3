namespace DuckDb;

/// <summary>
/// Bulk insert into one table: fill a chunk from <see cref="CreateChunk"/> (vectors written directly, one P/Invoke
/// per string at most), set its <see cref="DuckDbDataChunk.RowCount"/>, <see cref="AppendChunk"/>, reset, repeat.
/// </summary>
public sealed class DuckDbAppender : IDisposable
{
    private readonly AppenderHandle _handle;
    private readonly string _table;

    internal DuckDbAppender(AppenderHandle handle, string table)
    {
        _handle = handle;
        _table = table;
        var count = checked((int)NativeMethods.duckdb_appender_column_count(handle));
        var types = new DuckDbType[count];
        for (var column = 0; column < count; column++)
        {
            var logical = NativeMethods.duckdb_appender_column_type(handle, (ulong)column);
            types[column] = NativeMethods.duckdb_get_type_id(logical);
            NativeMethods.duckdb_destroy_logical_type(ref logical);
        }
        ColumnTypes = types;
    }

    /// <summary>The table's column types, in order.</summary>
    public IReadOnlyList<DuckDbType> ColumnTypes { get; }

    /// <summary>A new empty chunk with the table's column types (reuse it: <see cref="DuckDbDataChunk.Reset"/> after each append).</summary>
    public unsafe DuckDbDataChunk CreateChunk()
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        var logical = new nint[ColumnTypes.Count];
        try
        {
            for (var column = 0; column < logical.Length; column++)
                logical[column] = NativeMethods.duckdb_create_logical_type(ColumnTypes[column]);
            nint chunk;
            fixed (nint* types = logical) chunk = NativeMethods.duckdb_create_data_chunk(types, (ulong)logical.Length);
            if (chunk == 0) throw new DuckDbException($"cannot create a data chunk for table '{_table}' ({DuckDbConnection.Describe(ColumnTypes)})");
            var handle = new DataChunkHandle();
            handle.Attach(chunk, parent: null);
            return new DuckDbDataChunk(handle, ColumnTypes);
        }
        finally
        {
            for (var column = 0; column < logical.Length; column++)
                if (logical[column] != 0) NativeMethods.duckdb_destroy_logical_type(ref logical[column]);
        }
    }

    /// <summary>Appends the chunk's rows (the chunk must come from <see cref="CreateChunk"/> of an appender of the same table).</summary>
    public void AppendChunk(DuckDbDataChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        if (chunk.ColumnCount != ColumnTypes.Count)
            throw new ArgumentException($"the chunk has {chunk.ColumnCount} columns, table '{_table}' has {ColumnTypes.Count}", nameof(chunk));
        Check(NativeMethods.duckdb_append_data_chunk(_handle, chunk.Handle), "append a chunk to");
    }

    /// <summary>Writes buffered rows to the table.</summary>
    public void Flush() => Check(NativeMethods.duckdb_appender_flush(_handle), "flush the appender of");

    /// <summary>Flushes and closes; later appends fail. Dispose also flushes, but only Close reports a failure.</summary>
    public void Close() => Check(NativeMethods.duckdb_appender_close(_handle), "close the appender of");

    private void Check(DuckDbState state, string action)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (state == DuckDbState.Success) return;
        throw new DuckDbException($"cannot {action} table '{_table}': {NativeMethods.Utf8(NativeMethods.duckdb_appender_error(_handle)) ?? "unknown error"}");
    }

    public void Dispose() => _handle.Dispose();
}
