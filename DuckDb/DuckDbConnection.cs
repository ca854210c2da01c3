using System.Text;

namespace DuckDb;

/// <summary>One DuckDB connection: run statements, read results as rows or chunks, bulk-append through data chunks.</summary>
public sealed class DuckDbConnection : IDisposable
{
    private readonly ConnectionHandle _handle;

    internal DuckDbConnection(ConnectionHandle handle) => _handle = handle;

    /// <summary>Opens an in-memory database with one connection; disposing the connection closes the database.</summary>
    public static DuckDbConnection OpenInMemory()
    {
        using var database = DuckDbDatabase.Open();
        return database.Connect(); // the connection handle keeps the database alive
    }

    /// <summary>Runs one or more statements and returns the rows changed by the last one.</summary>
    public long Execute(string sql)
    {
        using var result = Query(sql);
        return result.RowsChanged;
    }

    /// <summary>Runs a query; read its chunks with <see cref="DuckDbQueryResult.FetchChunk"/>.</summary>
    public unsafe DuckDbQueryResult Query(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        var result = ResultHandle.Allocate(_handle);
        if (NativeMethods.duckdb_query(_handle, sql, result.Pointer) != DuckDbState.Success)
        {
            var error = NativeMethods.Utf8(NativeMethods.duckdb_result_error(result.Pointer)) ?? "unknown error";
            result.Dispose();
            throw new DuckDbException(error, sql);
        }
        return new DuckDbQueryResult(result);
    }

    /// <summary>
    /// Runs a query and materializes every row, converting values to .NET types (see
    /// <see cref="DuckDbDataChunk.GetValue"/>). Meant for small results; stream big ones with <see cref="ReadChunks"/>.
    /// </summary>
    public IReadOnlyList<object?[]> QueryRows(string sql)
    {
        var rows = new List<object?[]>();
        foreach (var chunk in ReadChunks(sql))
        {
            for (var row = 0; row < chunk.RowCount; row++)
            {
                var values = new object?[chunk.ColumnCount];
                for (var column = 0; column < values.Length; column++) values[column] = chunk.GetValue(column, row);
                rows.Add(values);
            }
        }
        return rows;
    }

    /// <summary>The first column of the first row, or null when there is no row.</summary>
    public object? QueryScalar(string sql)
    {
        var rows = QueryRows(sql);
        return rows.Count == 0 ? null : rows[0][0];
    }

    /// <summary>Streams a result chunk by chunk; each chunk is valid until the enumeration moves on.</summary>
    public IEnumerable<DuckDbDataChunk> ReadChunks(string sql)
    {
        using var result = Query(sql);
        while (result.FetchChunk() is { } chunk)
        {
            using (chunk) yield return chunk;
        }
    }

    /// <summary>Creates an appender for a table; fill <see cref="DuckDbAppender.CreateChunk"/> chunks and append them.</summary>
    public DuckDbAppender CreateAppender(string table, string? schema = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(table);
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        var state = NativeMethods.duckdb_appender_create(_handle, schema, table, out var appender);
        var handle = new AppenderHandle();
        if (appender != 0) handle.Attach(appender, _handle);
        if (state != DuckDbState.Success)
        {
            var error = handle.IsInvalid ? null : NativeMethods.Utf8(NativeMethods.duckdb_appender_error(handle));
            handle.Dispose();
            throw new DuckDbException($"cannot create an appender for table '{(schema is null ? table : schema + "." + table)}': {error ?? "unknown error"}");
        }
        return new DuckDbAppender(handle, table);
    }

    /// <summary>
    /// Registers <c>name(BIGINT)</c>, a table function whose rows come from .NET: each query that calls it gets a new
    /// source from <paramref name="bind"/> (called with the argument, possibly on another connection's thread) and
    /// pulls chunks from it, so <c>COPY (SELECT * FROM name(1)) TO …</c> writes rows that were never stored in a table.
    /// The function belongs to the database: every connection sees it until the database closes, and registering the
    /// name again is ignored (DuckDB keeps the first).
    /// </summary>
    public void RegisterTableFunction(string name, Func<long, IDuckDbRowSource> bind)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(bind);
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        DuckDbTableFunction.Register(_handle, name, bind);
    }

    /// <summary>Quotes a string as an SQL literal ('it''s').</summary>
    public static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>Quotes an identifier ("my ""table""").</summary>
    public static string Identifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    internal static string Describe(IEnumerable<DuckDbType> types) => new StringBuilder().AppendJoin(", ", types).ToString();

    public void Dispose() => _handle.Dispose();
}
