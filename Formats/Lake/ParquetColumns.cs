using System.IO.Compression;
using Npgsql;
using Parquet;
using Parquet.Schema;

namespace Formats.Lake;

/// <summary>
/// Writes a Parquet file of one row group (an export's partition is small: a day of one device or one symbol) from
/// typed columns, zstd at <see cref="CompressionLevel.Optimal"/> (Parquet.Net's default SmallestSize is about 40 times
/// slower for a few percent). The same rows in the same order always give the same bytes, so an export repeated
/// writes the same objects.
/// </summary>
public static class ParquetColumns
{
    /// <summary>
    /// <paramref name="columns"/> in the fields' order, each an array of the field's type: <c>string[]</c>,
    /// <c>bool[]</c>, <c>int[]</c>, <c>short[]</c>, <c>long[]</c>, <c>double[]</c>, <c>DateTime[]</c>, <c>byte[]?[]</c>, or the
    /// nullable arrays (<c>long?[]</c>, <c>double?[]</c>, <c>DateTime?[]</c>) for nullable fields.
    /// </summary>
    public static async Task WriteAsync(string path, IReadOnlyList<DataField> fields, IReadOnlyList<Array> columns, CancellationToken ct)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var options = new ParquetOptions { CompressionMethod = CompressionMethod.Zstd, CompressionLevel = CompressionLevel.Optimal };
        await using var file = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), file, options, cancellationToken: ct);
        using var group = writer.CreateRowGroup();
        for (var i = 0; i < fields.Count; i++)
        {
            var field = fields[i];
            await (columns[i] switch
            {
                // nullable text: Parquet.Net's array overload keeps NULL apart from the empty string
                string[] v when field.IsNullable => group.WriteAsync(field, v),
                string[] v => group.WriteAsync<ReadOnlyMemory<char>>(field, Array.ConvertAll(v, s => s.AsMemory()), cancellationToken: ct),
                bool[] v => group.WriteAsync<bool>(field, v, cancellationToken: ct),
                int[] v => group.WriteAsync<int>(field, v, cancellationToken: ct),
                short[] v => group.WriteAsync<short>(field, v, cancellationToken: ct),
                long[] v => group.WriteAsync<long>(field, v, cancellationToken: ct),
                long?[] v => group.WriteAsync<long>(field, (ReadOnlyMemory<long?>)v, cancellationToken: ct),
                double[] v => group.WriteAsync<double>(field, v, cancellationToken: ct),
                double?[] v => group.WriteAsync<double>(field, (ReadOnlyMemory<double?>)v, cancellationToken: ct),
                DateTime[] v => group.WriteAsync<DateTime>(field, v, cancellationToken: ct),
                DateTime?[] v => group.WriteAsync<DateTime>(field, (ReadOnlyMemory<DateTime?>)v, cancellationToken: ct),
                // bytea: Parquet.Net's overload for binary values (null for a missing key or value)
                byte[][] v => group.WriteAsync(field, v),
                var other => throw new ArgumentException($"column '{field.Name}': no Parquet writer for {other.GetType().Name}", nameof(columns)),
            });
        }
    }

    /// <summary>Writes a query's rows; its columns are the fields' in order and of their types (a nullable field may hold NULLs).</summary>
    public static async Task WriteAsync(string path, IReadOnlyList<DataField> fields, NpgsqlDataReader reader, CancellationToken ct)
    {
        var rows = new List<object?[]>();
        while (await reader.ReadAsync(ct))
        {
            var row = new object?[fields.Count];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        await WriteAsync(path, fields, rows, ct);
    }

    /// <summary>Writes rows whose values are in the fields' order and of their types (null where a nullable field is missing).</summary>
    public static async Task WriteAsync(string path, IReadOnlyList<DataField> fields, IReadOnlyList<object?[]> rows, CancellationToken ct)
    {
        var columns = new Array[fields.Count];
        for (var i = 0; i < fields.Count; i++)
        {
            var type = ColumnType(fields[i]);
            columns[i] = Array.CreateInstance(fields[i].IsNullable && type.IsValueType ? typeof(Nullable<>).MakeGenericType(type) : type, rows.Count);
            for (var row = 0; row < rows.Count; row++) columns[i].SetValue(rows[row][i], row);
        }
        await WriteAsync(path, fields, columns, ct);
    }

    // Parquet.Net's ClrType of text and binary fields is ReadOnlyMemory; the columns hold strings and byte arrays
    static Type ColumnType(DataField field) =>
        field.ClrType == typeof(ReadOnlyMemory<char>) ? typeof(string)
        : field.ClrType == typeof(ReadOnlyMemory<byte>) ? typeof(byte[])
        : field.ClrType;
}
