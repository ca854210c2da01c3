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
    /// <c>int[]</c>, <c>short[]</c>, <c>long[]</c>, <c>double[]</c>, <c>DateTime[]</c>, <c>byte[]?[]</c>, or the
    /// nullable arrays (<c>long?[]</c>, <c>DateTime?[]</c>) for nullable fields.
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
                string[] v => group.WriteAsync<ReadOnlyMemory<char>>(field, Array.ConvertAll(v, s => s.AsMemory()), cancellationToken: ct),
                int[] v => group.WriteAsync<int>(field, v, cancellationToken: ct),
                short[] v => group.WriteAsync<short>(field, v, cancellationToken: ct),
                long[] v => group.WriteAsync<long>(field, v, cancellationToken: ct),
                long?[] v => group.WriteAsync<long>(field, (ReadOnlyMemory<long?>)v, cancellationToken: ct),
                double[] v => group.WriteAsync<double>(field, v, cancellationToken: ct),
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
        var values = fields.Select(_ => new List<object?>()).ToArray();
        while (await reader.ReadAsync(ct))
            for (var i = 0; i < fields.Count; i++)
                values[i].Add(reader.IsDBNull(i) ? null : reader.GetValue(i));
        var columns = new Array[fields.Count];
        for (var i = 0; i < fields.Count; i++)
        {
            // by the database column's type (Parquet.Net's ClrType of text and binary fields is ReadOnlyMemory)
            var type = reader.GetFieldType(i);
            if (fields[i].IsNullable && type.IsValueType) type = typeof(Nullable<>).MakeGenericType(type);
            columns[i] = Array.CreateInstance(type, values[i].Count);
            for (var row = 0; row < values[i].Count; row++) columns[i].SetValue(values[i][row], row);
        }
        await WriteAsync(path, fields, columns, ct);
    }
}
