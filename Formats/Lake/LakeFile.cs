using System.Security.Cryptography;
using Parquet;

namespace Formats.Lake;

/// <summary>One file of an export as its manifest lists it: the path relative to the export's root, rows, bytes, SHA-256 (lower-case hex).</summary>
public sealed record LakeFile(string Path, long Rows, long Bytes, string Sha256)
{
    /// <summary>Describes a written Parquet file: rows as its footer reports them, not as we meant to write them.</summary>
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
