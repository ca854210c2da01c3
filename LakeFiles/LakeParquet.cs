using System.IO.Compression;
using System.Security.Cryptography;
using Parquet;
using Parquet.Schema;

namespace LakeFiles;

/// <summary>One file of an export, as a manifest lists it: rows as the written file's footer reports them.</summary>
public sealed record LakeFile(string Path, long Rows, long Bytes, string Sha256);

/// <summary>
/// Rows read from a database query, written to one Parquet file whose fields are the query's columns in order, and the
/// description of a written file for a manifest. The exports that write a partition per file use it (meters, grid).
/// </summary>
public static class LakeParquet
{
    /// <summary>
    /// Writes <paramref name="rows"/> (values in the fields' order, null where a nullable field is missing) as one zstd
    /// row group to a new file at <paramref name="path"/>. A partition is at most a day: one row group is enough.
    /// </summary>
    public static async Task WriteAsync(string path, DataField[] fields, IReadOnlyList<object?[]> rows, CancellationToken ct)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        // Optimal, not Parquet.Net's default SmallestSize: zstd's smallest size is about 40 times slower for a few percent
        var options = new ParquetOptions { CompressionMethod = CompressionMethod.Zstd, CompressionLevel = CompressionLevel.Optimal };
        await using var file = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), file, options, cancellationToken: ct);
        using var group = writer.CreateRowGroup();
        for (var i = 0; i < fields.Length; i++)
        {
            var (field, column) = (fields[i], i);
            T[] Values<T>() => rows.Select(r => (T)r[column]!).ToArray();
            T?[] Optional<T>() where T : struct => rows.Select(r => (T?)r[column]).ToArray();
            // by the field's element type (Parquet.Net reports text as ReadOnlyMemory<char>)
            Task write = field.ClrType switch
            {
                // text that may be missing: the array overload, which writes the nulls' definition levels
                var t when (t == typeof(string) || t == typeof(ReadOnlyMemory<char>)) && field.IsNullable => group.WriteAsync(field, rows.Select(r => (string?)r[column]).ToArray()),
                var t when t == typeof(string) || t == typeof(ReadOnlyMemory<char>) => group.WriteAsync<ReadOnlyMemory<char>>(field, rows.Select(r => ((string)r[column]!).AsMemory()).ToArray(), cancellationToken: ct),
                var t when t == typeof(int) => group.WriteAsync<int>(field, Values<int>(), cancellationToken: ct),
                var t when t == typeof(short) => group.WriteAsync<short>(field, Values<short>(), cancellationToken: ct),
                var t when t == typeof(double) && field.IsNullable => group.WriteAsync<double>(field, Optional<double>(), cancellationToken: ct),
                var t when t == typeof(double) => group.WriteAsync<double>(field, Values<double>(), cancellationToken: ct),
                var t when t == typeof(bool) => group.WriteAsync<bool>(field, Values<bool>(), cancellationToken: ct),
                var t when t == typeof(long) && field.IsNullable => group.WriteAsync<long>(field, Optional<long>(), cancellationToken: ct),
                var t when t == typeof(long) => group.WriteAsync<long>(field, Values<long>(), cancellationToken: ct),
                var t when t == typeof(DateTime) && field.IsNullable => group.WriteAsync<DateTime>(field, Optional<DateTime>(), cancellationToken: ct),
                var t when t == typeof(DateTime) => group.WriteAsync<DateTime>(field, Values<DateTime>(), cancellationToken: ct),
                // bytea: Parquet.Net's overload for binary values (null where missing)
                var t when t == typeof(byte[]) || t == typeof(ReadOnlyMemory<byte>) => group.WriteAsync(field, rows.Select(r => (byte[])r[column]!).ToArray()),
                var t => throw new NotSupportedException($"Parquet field '{field.Name}' of type {t.Name} is not one the lake writes"),
            };
            await write;
        }
    }

    /// <summary>Rows, bytes and SHA-256 of the written file <paramref name="relative"/> under <paramref name="root"/>.</summary>
    public static async Task<LakeFile> DescribeAsync(string root, string relative, CancellationToken ct)
    {
        await using var stream = File.OpenRead(System.IO.Path.Combine(root, relative));
        long rows;
        await using (var reader = await ParquetReader.CreateAsync(stream, leaveStreamOpen: true, cancellationToken: ct))
            rows = reader.Metadata!.NumRows;
        stream.Position = 0;
        return new LakeFile(relative.Replace('\\', '/'), rows, stream.Length, Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct)));
    }
}
