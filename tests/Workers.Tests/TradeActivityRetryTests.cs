using Npgsql;
using ServiceDefaults.Lake;
using Temporalio.Testing;
using Trades;
using Trades.Analytics;
using Trades.Generation;
using Trades.Storage;
using Workers.Storage;
using Workers.Trades;
using Workflows.Trades;

namespace Workers.Tests;

/// <summary>
/// Temporal runs an activity at least once: a worker can commit an activity's effect and die before the server hears
/// of it, and the activity runs again. Each of the pipeline's activities, run a second time after its first run
/// committed, must change nothing (real PostgreSQL and moto S3; the activities run in Temporal's ActivityEnvironment).
/// </summary>
[Collection("workers")]
public sealed class TradeActivityRetryTests(WorkersInfrastructure infrastructure)
{
    [Fact]
    public async Task Every_activity_run_again_after_its_effect_committed_changes_nothing()
    {
        await using var dataSource = NpgsqlDataSource.Create(await infrastructure.Postgres.CreateDatabaseAsync("retry"));
        await PipelineSchema.ApplyAsync(dataSource, CancellationToken.None);
        await StoreAsync(dataSource, TradeGenerator.GenerateDay(new DateOnly(2023, 3, 1), "FR", seed: 11, anomalies: 6, intensity: 0.05).Trades);
        await StoreAsync(dataSource, TradeGenerator.GenerateDay(new DateOnly(2023, 3, 1), "DE", seed: 12, intensity: 0.05).Trades);
        using var lake = new Lake(LakeConnection.Parse(infrastructure.S3.ConnectionString));
        // Ten seconds ahead: the trades just stored are older than the seal lag, as a minute later in production.
        var activities = new TradeActivities(dataSource, lake, new AnalysisOptions(), new ShiftedTime(TimeSpan.FromSeconds(10)));
        var environment = new ActivityEnvironment();
        Task<PipelineSnapshot> SnapshotAsync() => PipelineSnapshot.TakeAsync(dataSource, lake.Client, lake.Bucket);

        var window = await environment.RunAsync(() => activities.SealWindowAsync(TradePipelineRequest.Live(), "trades-live-2023-03-01T12:00:00Z"));
        Assert.Equal(["2023-03-01 DE", "2023-03-01 FR"], window.Partitions.Select(p => $"{p.DeliveryDate:yyyy-MM-dd} {p.Area}"));
        var sealedOnce = await SnapshotAsync();
        // Trades that arrive between the attempts belong to the next window, not to this one sealed again.
        await StoreAsync(dataSource, TradeGenerator.GenerateDay(new DateOnly(2023, 3, 2), "NL", seed: 13, intensity: 0.02).Trades);
        var resealed = await environment.RunAsync(() => activities.SealWindowAsync(TradePipelineRequest.Live(), "trades-live-2023-03-01T12:00:00Z"));
        Assert.Equal(window with { Partitions = [] }, resealed with { Partitions = [] });
        Assert.Equal(window.Partitions, resealed.Partitions);
        Assert.Equal(sealedOnce, await SnapshotAsync());

        foreach (var (step, run) in new (string, Func<Task>)[]
        {
            ("aggregate", () => environment.RunAsync(() => activities.AggregateAsync(window))),
            ("detect", () => environment.RunAsync(() => activities.DetectAsync(window))),
            ("export", () => environment.RunAsync(() => activities.ExportAsync(window))),
        })
        {
            var before = await SnapshotAsync();
            await run();
            var once = await SnapshotAsync();
            Assert.False(before.Equals(once), $"{step} wrote nothing: the repeat below would prove nothing");
            await run();
            Assert.True(once.Equals(await SnapshotAsync()), $"{step} run again changed its results:\nonce:\n{once}\nagain:\n{await SnapshotAsync()}");
        }
    }

    static async Task StoreAsync(NpgsqlDataSource dataSource, IReadOnlyList<Trade> trades)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await TradeStore.StoreAsync(connection, tx, "test:retry", [.. trades.Select((t, i) => ReceivedTrade.AsMessage(t, $"test:{i}"))], [], CancellationToken.None);
        await tx.CommitAsync();
    }

    sealed class ShiftedTime(TimeSpan by) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + by;
    }
}
