using System.Diagnostics;
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
    public async Task New_positions_are_copied_straight_into_the_table_and_a_batch_repeating_positions_falls_back_inside_the_same_transaction()
    {
        await using var dataSource = await DatabaseAsync();
        var records = (await ParquetCapture.ReadAsync(Capture)).Take(150).ToList();
        using var paths = new StorePaths();

        await using (var connection = await dataSource.OpenConnectionAsync())
        await using (var tx = await connection.BeginTransactionAsync())
        {
            var first = await RawRecordStore.StoreAsync(connection, tx, "test", records.Take(100).ToList(), CancellationToken.None);
            var replayed = await RawRecordStore.StoreAsync(connection, tx, "test", records.Skip(50).ToList(), CancellationToken.None);
            var repeatedInBatch = await RawRecordStore.StoreAsync(connection, tx, "test", [records[0] with { Offset = 9_999 }, records[1] with { Partition = records[0].Partition, Offset = 9_999 }], CancellationToken.None);
            await tx.CommitAsync(); // the replayed batch's failed COPY was undone to its savepoint, not the whole transaction
            Assert.Equal((100, 50, 1), (first, replayed, repeatedInBatch));
        }

        Assert.Equal(["copy", "staging", "staging"], paths.Taken);
        var stored = await RawRecordStore.ReadAsync(dataSource, records[0].Topic, CancellationToken.None);
        var expected = records.Append(records[0] with { Offset = 9_999 }).Select(r => (r.Partition, r.Offset, Convert.ToHexString(r.Value!)));
        Assert.Equal(expected, stored.Select(r => (r.Partition, r.Offset, Convert.ToHexString(r.Value!))));
    }

    /// <summary>The store path (<c>meters.raw.path</c>) of each store call made under this test's own trace.</summary>
    sealed class StorePaths : IDisposable
    {
        readonly Activity _test = new Activity(nameof(StorePaths)).Start();
        readonly ActivityListener _listener;
        readonly List<string> _taken = [];

        public StorePaths()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == "Pipeline.Meters",
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = activity =>
                {
                    if (activity.OperationName == "meters.raw.store" && activity.TraceId == _test.TraceId)
                        lock (_taken) _taken.Add((string)activity.GetTagItem("meters.raw.path")!);
                },
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public IReadOnlyList<string> Taken { get { lock (_taken) return [.. _taken]; } }

        public void Dispose()
        {
            _listener.Dispose();
            _test.Stop();
        }
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
