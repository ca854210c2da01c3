namespace DuckDb;

/// <summary>A materialized or streaming query result: column names and types, and its data chunks in order.</summary>
public sealed unsafe class DuckDbQueryResult : IDisposable
{
    private readonly ResultHandle _handle;

    internal DuckDbQueryResult(ResultHandle handle)
    {
        _handle = handle;
        var count = checked((int)NativeMethods.duckdb_column_count(handle.Pointer));
        var names = new string[count];
        var types = new DuckDbType[count];
        for (var column = 0; column < count; column++)
        {
            names[column] = NativeMethods.Utf8(NativeMethods.duckdb_column_name(handle.Pointer, (ulong)column)) ?? "";
            types[column] = NativeMethods.duckdb_column_type(handle.Pointer, (ulong)column);
        }
        ColumnNames = names;
        ColumnTypes = types;
        RowsChanged = checked((long)NativeMethods.duckdb_rows_changed(handle.Pointer));
    }

    public IReadOnlyList<string> ColumnNames { get; }

    public IReadOnlyList<DuckDbType> ColumnTypes { get; }

    /// <summary>Rows inserted, updated or deleted by the statement (0 for queries).</summary>
    public long RowsChanged { get; }

    /// <summary>The next chunk of rows, or null at the end. The caller disposes each chunk.</summary>
    public DuckDbDataChunk? FetchChunk()
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        var chunk = NativeMethods.duckdb_fetch_chunk(*_handle.Pointer);
        if (chunk == 0) return null;
        var handle = new DataChunkHandle();
        handle.Attach(chunk, _handle);
        var result = new DuckDbDataChunk(handle, ColumnTypes);
        if (result.RowCount > 0) return result;
        result.Dispose();
        return null;
    }

    public void Dispose() => _handle.Dispose();
}
