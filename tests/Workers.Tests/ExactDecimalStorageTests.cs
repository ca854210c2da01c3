using Trades;
using Trades.Analytics;
using Trades.Storage;
using Workers.Storage;

namespace Workers.Tests;

/// <summary>The pipeline's result tables hold exact totals and extremes (numeric), not binary fractions.</summary>
[Collection("workers")]
public sealed class ExactDecimalStorageTests(WorkersInfrastructure infrastructure)
{
    [Fact]
    public async Task A_total_volume_that_double_arithmetic_gets_wrong_is_stored_exactly_in_the_statistics_and_the_top_products()
    {
        var start = new DateTime(2023, 1, 1, 10, 0, 0, DateTimeKind.Utc);
        Trade Leg(long id, decimal price, decimal volume) => new()
        {
            TradeId = id,
            RemoteTradeId = "",
            Side = TradeSide.Sell,
            Product = TradeColumns.HourProduct,
            DeliveryStart = start,
            DeliveryEnd = start.AddHours(1),
            ExecutionTime = start.AddHours(-3).AddSeconds(id),
            DeliveryArea = "FR",
            TradePhase = "CONT",
            UserDefinedBlock = "N",
            SelfTrade = "U",
            Price = price,
            Currency = "EUR",
            Volume = volume,
            VolumeUnit = "MWH",
            OrderId = id,
        };
        // 0.1 + 0.2 + 0.4 is 0.7000000000000001 in double
        var legs = new[] { Leg(1, 211.18m, 0.1m), Leg(2, 0.1m, 0.2m), Leg(3, 13.37m, 0.4m) };
        await using var db = new PipelineDatabase(await infrastructure.Postgres.CreateDatabaseAsync("exact_decimals"));
        await PipelineSchema.ApplyAsync(db.DataSource, CancellationToken.None);

        await using (var connection = await db.DataSource.OpenConnectionAsync())
        await using (var tx = await connection.BeginTransactionAsync())
        {
            await TradeStore.StoreAsync(connection, tx, "test", [.. legs.Select(t => ReceivedTrade.AsMessage(t, $"test:{t.TradeId}"))], [], CancellationToken.None);
            var stored = await TradeResultStore.ReadPartitionAsync(connection, tx, new DateOnly(2023, 1, 1), "FR", CancellationToken.None);
            await TradeResultStore.ReplaceStatisticsAsync(connection, tx, new DateOnly(2023, 1, 1), "FR", TradeAnalytics.Analyze(stored), "test-run", CancellationToken.None);
            await TradeResultStore.ReplaceOverallTopAsync(connection, tx, 5, CancellationToken.None);
            await tx.CommitAsync();
        }

        Assert.Equal("0.7|0.1|211.18", await db.ScalarAsync<string>("SELECT concat_ws('|', total_volume, min_price, max_price) FROM pipeline.product_stats"));
        Assert.Equal(["0.7", "0.7"], await db.ListAsync<string>("SELECT total_volume::text FROM pipeline.top_products ORDER BY scope"));
        Assert.Equal(0.7m, await db.ScalarAsync<decimal>("SELECT sum(total_volume) FROM pipeline.product_stats"));
    }
}
