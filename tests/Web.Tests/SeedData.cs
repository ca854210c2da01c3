using Temporalio.Client;
using Npgsql;

namespace Web.Tests;

/// <summary>Rows the tests assert on, written directly into the pipeline schema as the workflow's activities would.</summary>
public static class SeedData
{
    public const string HourProduct = "XBID_Hour_Power";
    public const string QuarterProduct = "XBID_Quarter_Hour_Power";
    public const long AnomalousTradeId = 9_000_003;

    const string Sql = """
        INSERT INTO pipeline.product_stats (product, delivery_start, delivery_end, delivery_area, delivery_date, trade_count, avg_price, vwap,
            avg_volume, total_volume, min_price, max_price, stddev_price, run_id) VALUES
          ('XBID_Hour_Power', '2023-01-01 10:00+00', '2023-01-01 11:00+00', 'FR', '2023-01-01', 4, 71.5, 55.25, 30.125, 120.5, 48, 140, 44.6, 'seed'),
          ('XBID_Hour_Power', '2023-01-01 11:00+00', '2023-01-01 12:00+00', 'FR', '2023-01-01', 2, 60, 61.5, 40, 80, 58, 62, 2.83, 'seed'),
          ('XBID_Quarter_Hour_Power', '2023-01-01 10:00+00', '2023-01-01 10:15+00', 'DE', '2023-01-01', 3, 90, 91.75, 66.67, 200, 85, 95, 5, 'seed'),
          ('XBID_Hour_Power', '2023-01-02 10:00+00', '2023-01-02 11:00+00', 'FR', '2023-01-02', 1, -3.5, -3.5, 10, 10, -3.5, -3.5, NULL, 'seed');

        INSERT INTO pipeline.trades (trade_id, side, remote_trade_id, product, delivery_start, delivery_end, execution_time, delivery_area, trade_phase,
            user_defined_block, self_trade, price, currency, volume, volume_unit, order_id, origin) VALUES
          (9000001, 'SELL', '', 'XBID_Hour_Power', '2023-01-01 10:00+00', '2023-01-01 11:00+00', '2022-12-31 16:00+00', 'FR', 'CONT', 'N', 'U', 50, 'EUR', 20, 'MWH', 1, 'seed'),
          (9000001, 'BUY',  '', 'XBID_Hour_Power', '2023-01-01 10:00+00', '2023-01-01 11:00+00', '2022-12-31 16:00+00', 'FR', 'CONT', 'N', 'U', 50, 'EUR', 20, 'MWH', 1, 'seed'),
          (9000002, 'SELL', '', 'XBID_Hour_Power', '2023-01-01 10:00+00', '2023-01-01 11:00+00', '2023-01-01 06:00+00', 'FR', 'CONT', 'N', 'U', 48, 'EUR', 50, 'MWH', 2, 'seed'),
          (9000003, 'SELL', '', 'XBID_Hour_Power', '2023-01-01 10:00+00', '2023-01-01 11:00+00', '2023-01-01 08:00+00', 'FR', 'CONT', 'N', 'U', 140, 'EUR', 0.5, 'MWH', 3, 'seed'),
          (9000004, 'SELL', '', 'XBID_Hour_Power', '2023-01-01 10:00+00', '2023-01-01 11:00+00', '2023-01-01 09:30+00', 'FR', 'CONT', 'N', 'U', 48, 'EUR', 50, 'MWH', 4, 'seed');

        INSERT INTO pipeline.price_anomalies (trade_id, method, product, delivery_start, delivery_end, delivery_area, delivery_date, execution_time,
            price, volume, score, threshold, reference) VALUES
          (9000003, 'robust', 'XBID_Hour_Power', '2023-01-01 10:00+00', '2023-01-01 11:00+00', 'FR', '2023-01-01', '2023-01-01 08:00+00', 140, 0.5, 61.38, 3.5, 49),
          (9000003, 'relative-to-mean', 'XBID_Hour_Power', '2023-01-01 10:00+00', '2023-01-01 11:00+00', 'FR', '2023-01-01', '2023-01-01 08:00+00', 140, 0.5, 0.96, 2, 71.5);

        INSERT INTO pipeline.trade_quarantine (origin, reason, payload, payload_sha256, location) VALUES
          ('kafka:energy.trades.v1', 'Price: ''abc'' is not a number', convert_to('{"TradeId":"1","Price":"abc"}', 'UTF8'), sha256('q1'), 'energy.trades.v1/0@17');
        """;

    public static async Task InsertAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand(Sql);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Runs of a workflow type no worker serves here: they stay Running, as listed on the home page.</summary>
    public static async Task StartRunsAsync(ITemporalClient client)
    {
        foreach (var id in new[] { "listed-1", "listed-2" })
            await client.StartWorkflowAsync("SeededWorkflow", [new { day = "2023-01-01", area = "FR" }], new WorkflowOptions(id, "seeded-queue"));
    }
}
