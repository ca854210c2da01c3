using Npgsql;
using Trades.Storage;

namespace Web.Trades;

/// <summary>What one CSV upload did. <c>Inserted + Duplicates + Quarantined = Received</c>: every record is accounted for.</summary>
public sealed record ImportOutcome(string Origin, long Received, long Inserted, long Duplicates, long Quarantined);

/// <summary>The REST batch import: the upload buffered, then <see cref="TradeFileImport"/> (the library's batch path).</summary>
public sealed class TradeImport(NpgsqlDataSource dataSource, TimeProvider time)
{
    public async Task<ImportOutcome> ImportAsync(Stream csv, string fileName, string user, CancellationToken ct)
    {
        var origin = $"upload:{user}:{Path.GetFileName(fileName)}@{time.GetUtcNow():yyyy-MM-ddTHH:mm:ssZ}";
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        // TradeCsv reads synchronously; the request body is buffered to a temp file first so no sync I/O hits Kestrel.
        await using var buffered = await BufferAsync(csv, ct);
        var (received, stored) = await TradeFileImport.ImportAsync(connection, buffered, fileName, origin, ct);
        return new ImportOutcome(origin, received, stored.Inserted, stored.Duplicates, stored.Quarantined);
    }

    static async Task<Stream> BufferAsync(Stream body, CancellationToken ct)
    {
        var file = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose);
        await body.CopyToAsync(file, ct);
        file.Position = 0;
        return file;
    }
}
