namespace DuckDb;

/// <summary>An open DuckDB database: in memory (no path) or a file. Thread-safe; open one connection per thread.</summary>
public sealed class DuckDbDatabase : IDisposable
{
    private readonly DatabaseHandle _handle;

    private DuckDbDatabase(DatabaseHandle handle) => _handle = handle;

    /// <summary>The DuckDB library version, for example "v1.5.6".</summary>
    public static string LibraryVersion => NativeMethods.Utf8(NativeMethods.duckdb_library_version()) ?? "unknown";

    /// <summary>Rows per data chunk (duckdb_vector_size, 2048 in every release so far).</summary>
    public static int VectorSize { get; } = checked((int)NativeMethods.duckdb_vector_size());

    /// <summary>Opens a database; <paramref name="path"/> null or ":memory:" is an in-memory database.</summary>
    public static DuckDbDatabase Open(string? path = null)
    {
        var state = NativeMethods.duckdb_open_ext(path, out var database, 0, out var error);
        var message = NativeMethods.Utf8(error);
        if (error != 0) NativeMethods.duckdb_free(error);
        var handle = new DatabaseHandle();
        if (database != 0) handle.Attach(database, parent: null);
        if (state != DuckDbState.Success)
        {
            handle.Dispose();
            throw new DuckDbException($"cannot open DuckDB database '{path ?? ":memory:"}': {message ?? "unknown error"}");
        }
        return new DuckDbDatabase(handle);
    }

    /// <summary>Opens a connection; connections are cheap and not thread-safe.</summary>
    public DuckDbConnection Connect()
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (NativeMethods.duckdb_connect(_handle, out var connection) != DuckDbState.Success)
            throw new DuckDbException("cannot connect to the DuckDB database");
        var handle = new ConnectionHandle();
        handle.Attach(connection, _handle);
        return new DuckDbConnection(handle);
    }

    public void Dispose() => _handle.Dispose();
}
