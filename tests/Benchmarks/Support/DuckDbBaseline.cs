using DuckDB.NET.Data;

namespace Benchmarks.Support;

/// <summary>DuckDB (DuckDB.NET), the baseline of the trades suites: an in-memory database and the two calls they make.</summary>
public static class DuckDbBaseline
{
    public static DuckDBConnection Open()
    {
        var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        return connection;
    }

    public static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public static object?[] FirstRow(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        reader.Read();
        var row = new object?[reader.FieldCount];
        reader.GetValues(row!);
        return row;
    }
}
