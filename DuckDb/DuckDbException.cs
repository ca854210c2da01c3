namespace DuckDb;

/// <summary>An error reported by DuckDB, with the statement (shortened) that caused it when there is one.</summary>
public sealed class DuckDbException : Exception
{
    public DuckDbException(string message) : base(message) { }

    public DuckDbException(string message, Exception inner) : base(message, inner) { }

    public DuckDbException(string error, string sql) : base($"{error} (SQL: {Shorten(sql)})") => Sql = sql;

    /// <summary>The statement that failed, or null when the error was not caused by a statement.</summary>
    public string? Sql { get; }

    private static string Shorten(string sql)
    {
        var oneLine = string.Join(' ', sql.Split((char[])['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return oneLine.Length <= 300 ? oneLine : string.Concat(oneLine.AsSpan(0, 300), "...");
    }
}
