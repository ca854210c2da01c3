using Meters.Capture;
using Meters.Storage;
using Npgsql;
using TestSupport;
using Workers.Storage;

namespace Meters.Tests;

/// <summary>Raw capture storage on a real PostgreSQL.</summary>
public sealed class RawRecordStoreTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    static readonly string Capture = Path.Combine(AppContext.BaseDirectory, "Data", "consumer_data.snappy.parquet");

    async Task<NpgsqlDataSource> DatabaseAsync()
    {
        var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("meters"));
        await PipelineSchema.ApplyAsync(dataSource, CancellationToken.None);
        await PipelineSchema.ApplyAsync(dataSource, CancellationToken.None); // a second start changes nothing
        return dataSource;
    }

    static async Task<int> StoreAsync(NpgsqlDataSource dataSource, IReadOnlyList<RawRecord> records)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        var inserted = await RawRecordStore.StoreAsync(connection, tx, "test", records, CancellationToken.None);
        await tx.CommitAsync();
        return inserted;
    }

    [Fact]
    public async Task The_capture_written_twice_is_stored_once_per_topic_partition_and_offset_with_its_bytes_unchanged()
    {
        await using var dataSource = await DatabaseAsync();
        var records = await ParquetCapture.ReadAsync(Capture);

        var first = await StoreAsync(dataSource, records);
        var second = await StoreAsync(dataSource, records);
        var overlapping = await StoreAsync(dataSource, [.. records.Take(10), records[0] with { Offset = 9_999 }, records[0] with { Offset = 9_999 }]);

        Assert.Equal((5_851, 0, 1), (first, second, overlapping));
        var stored = await RawRecordStore.ReadAsync(dataSource, records[0].Topic, CancellationToken.None);
        Assert.Equal(5_852, stored.Count);
        Assert.Equal(records.Select(r => Convert.ToHexString(r.Value!)), stored.Take(5_851).Select(r => Convert.ToHexString(r.Value!)));
        Assert.Equal(records.Select(r => (r.Offset, r.Timestamp, r.TimestampType, r.Key)), stored.Take(5_851).Select(r => (r.Offset, r.Timestamp, r.TimestampType, r.Key)));
    }

    [Fact]
    public async Task A_rolled_back_transaction_stores_nothing_so_a_retry_stores_everything()
    {
        await using var dataSource = await DatabaseAsync();
        var records = (await ParquetCapture.ReadAsync(Capture)).Take(100).ToList();

        await using (var connection = await dataSource.OpenConnectionAsync())
        await using (var tx = await connection.BeginTransactionAsync())
        {
            await RawRecordStore.StoreAsync(connection, tx, "test", records, CancellationToken.None);
            await tx.RollbackAsync();
        }

        Assert.Equal(100, await StoreAsync(dataSource, records));
    }
}
