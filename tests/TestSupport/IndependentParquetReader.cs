using System.Globalization;
using System.Security.Cryptography;
using DuckDB.NET.Data;

namespace TestSupport;

/// <summary>
/// Row count, column names and DuckDB types, and the sums of the numeric columns of a Parquet file: exact for integer
/// and DECIMAL columns (DuckDB sums those exactly), DuckDB's double sum for floating-point columns.
/// </summary>
public sealed record ParquetSummary(long Rows, IReadOnlyList<(string Name, string Type)> Columns, IReadOnlyDictionary<string, decimal> Sums);

/// <summary>
/// Reads Parquet with DuckDB (DuckDB.NET), which shares no code with the Parquet.Net writer the product uses: what a
/// consumer of the lake sees. In-memory and single-threaded; one instance per test.
/// </summary>
public sealed class IndependentParquetReader : IDisposable
{
    private static readonly HashSet<string> NumericTypes = new(["BIGINT", "INTEGER", "SMALLINT", "DOUBLE", "FLOAT"], StringComparer.Ordinal);

    private readonly DuckDBConnection _connection = new("DataSource=:memory:");

    public IndependentParquetReader()
    {
        _connection.Open();
        Rows("SET threads = 1");
    }

    /// <summary>The rows of <paramref name="sql"/>, in which <c>{file}</c> stands for the file's path as a SQL string literal.</summary>
    public List<object?[]> Rows(string sql, string? path = null)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = path is null ? sql : sql.Replace("{file}", "'" + path.Replace("'", "''", StringComparison.Ordinal) + "'", StringComparison.Ordinal);
        using var reader = command.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    public ParquetSummary Summarize(string path)
    {
        var columns = Rows("DESCRIBE SELECT * FROM read_parquet({file})", path).Select(r => ((string)r[0]!, (string)r[1]!)).ToList();
        var numeric = columns.Where(c => NumericTypes.Contains(c.Item2) || c.Item2.StartsWith("DECIMAL(", StringComparison.Ordinal)).Select(c => c.Item1).ToList();
        // as text, so an exact sum reaches the test exactly whatever .NET type DuckDB.NET would map it to
        var totals = Rows($"SELECT count(*){string.Concat(numeric.Select(c => $", coalesce(sum(\"{c}\"), 0)::VARCHAR"))} FROM read_parquet({{file}})", path)[0];
        var sums = numeric.Select((c, i) => (c, decimal.Parse((string)totals[i + 1]!, NumberStyles.Float, CultureInfo.InvariantCulture))).ToDictionary(s => s.c, s => s.Item2);
        return new ParquetSummary(Convert.ToInt64(totals[0], CultureInfo.InvariantCulture), columns, sums);
    }

    /// <summary>The file's SHA-256 as lower-case hex, the form of the lake manifest.</summary>
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public void Dispose() => _connection.Dispose();
}
