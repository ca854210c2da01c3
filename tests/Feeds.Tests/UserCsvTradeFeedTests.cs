using System.Net.WebSockets;
using TestSupport;
using Trades;
using Trades.Csv;

namespace Feeds.Tests;

/// <summary>
/// A small user CSV for 2023-01-01 (06:00 in Paris = 05:00 UTC): three historical rows (one of them after the live
/// rows in the file, which is not sorted), five live rows 1 s apart, two invalid rows and a repeated row.
/// </summary>
public sealed class UserCsvFeedFixture : IAsyncLifetime
{
    public const double Speed = 10;
    static readonly DateTime Executed = new(2023, 1, 1, 5, 0, 0, DateTimeKind.Utc);

    readonly KafkaFixture _kafka = new();

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"feeds-test-{Guid.NewGuid():N}.csv");

    public ServiceProcess Feeds { get; private set; } = null!;

    public static IReadOnlyList<Trade> History { get; } =
    [
        Trade(101, TradeSide.Sell, new DateTime(2022, 12, 31, 16, 5, 6, 392, DateTimeKind.Utc)),
        Trade(101, TradeSide.Buy, new DateTime(2022, 12, 31, 16, 5, 6, 392, DateTimeKind.Utc)),
        Trade(102, TradeSide.Sell, Executed.AddMilliseconds(-1)),
    ];

    public static IReadOnlyList<Trade> Live { get; } = [.. Enumerable.Range(0, 5).Select(i => Trade(200 + i, TradeSide.Sell, Executed.AddSeconds(i)))];

    public async Task InitializeAsync()
    {
        var rows = new List<string>
        {
            "# Continuous trades FR 2023-01-01, written by the Feeds tests",
            string.Join(',', TradeColumns.Names),
            TradeCsv.FormatRecord(History[0]),
            TradeCsv.FormatRecord(History[1]),
            TradeCsv.FormatRecord(Trade(900, TradeSide.Sell, Executed) with { Volume = -1 }),
            TradeCsv.FormatRecord(Live[0]),
            TradeCsv.FormatRecord(Live[1]),
            TradeCsv.FormatRecord(Live[1]),
            TradeCsv.FormatRecord(Live[2]).Replace("2023-01-01T05:00:02.000Z", "soon", StringComparison.Ordinal),
            TradeCsv.FormatRecord(Live[3]),
            TradeCsv.FormatRecord(Live[4]),
            TradeCsv.FormatRecord(History[2]),
        };
        // Live[2] is only in the file with a broken ExecutionTime, so it is not served.
        await File.WriteAllLinesAsync(Path, rows);
        Feeds = await ServiceProcess.StartAsync("Feeds", new Dictionary<string, string>
        {
            ["ConnectionStrings__kafka"] = _kafka.BootstrapServers,
            ["TradeFeed__Port"] = "0",
            ["TradeFeed__File"] = Path,
            ["TradeFeed__Speed"] = Speed.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
    }

    /// <summary>The trades served: the valid rows once each, in execution-time order.</summary>
    public static IReadOnlyList<Trade> Served { get; } = [.. History.OrderBy(t => t.ExecutionTime), .. Live.Where((_, i) => i != 2)];

    public async Task DisposeAsync()
    {
        await Feeds.DisposeAsync();
        _kafka.Dispose();
        File.Delete(Path);
    }

    public static Trade Trade(long id, TradeSide side, DateTime executed) => new()
    {
        TradeId = id,
        RemoteTradeId = (id + 5000).ToString(System.Globalization.CultureInfo.InvariantCulture),
        Side = side,
        Product = TradeColumns.HourProduct,
        DeliveryStart = new DateTime(2023, 1, 1, 17, 0, 0, DateTimeKind.Utc),
        DeliveryEnd = new DateTime(2023, 1, 1, 18, 0, 0, DateTimeKind.Utc),
        ExecutionTime = executed,
        DeliveryArea = "FR",
        TradePhase = "CONT",
        UserDefinedBlock = "N",
        SelfTrade = "U",
        Price = 101.5m,
        Currency = "EUR",
        Volume = 2.5m,
        VolumeUnit = "MWH",
        OrderId = 13_550_000_000 + id,
    };
}

public sealed class UserCsvTradeFeedTests(UserCsvFeedFixture fixture) : IClassFixture<UserCsvFeedFixture>
{
    [Fact]
    public async Task A_user_csv_is_served_once_per_trade_in_execution_order_without_its_invalid_rows()
    {
        var replay = await TradeFeedClient.ReplayAsync(fixture.Feeds, TimeSpan.FromSeconds(20));

        Assert.Equal(WebSocketCloseStatus.NormalClosure, replay.CloseStatus);
        Assert.Equal(
            UserCsvFeedFixture.Served.Select(t => $"{t.TradeId} {TradeFormat.Side(t.Side)}"),
            replay.Messages.Select(m => $"{m.Field("TradeId")} {m.Field("Side")}"));
        Assert.Equal(TradeFormat.Fields(UserCsvFeedFixture.History[0]), replay.Messages[0].Body.EnumerateObject().Select(p => p.Value.GetString()));
    }

    [Fact]
    public async Task Invalid_and_repeated_rows_of_a_user_csv_are_counted_and_logged_with_their_reason()
    {
        var feed = await TradeFeedClient.DiscoverAsync(fixture.Feeds);

        Assert.Equal("file", feed.GetProperty("source").GetString());
        Assert.Equal(fixture.Path, feed.GetProperty("file").GetString());
        Assert.Equal("2023-01-01", feed.GetProperty("day").GetString());
        Assert.Equal(3, feed.GetProperty("historyCount").GetInt32());
        Assert.Equal(4, feed.GetProperty("liveCount").GetInt32());
        Assert.Equal(2, feed.GetProperty("invalidRows").GetInt32());
        Assert.Equal(1, feed.GetProperty("duplicateRows").GetInt32());
        Assert.Contains("line 5", fixture.Feeds.Output);
        Assert.Contains("Volume '-1' must be greater than 0", fixture.Feeds.Output);
        Assert.Contains("line 9", fixture.Feeds.Output);
        Assert.Contains("ExecutionTime 'soon'", fixture.Feeds.Output);
        Assert.Contains("line 8", fixture.Feeds.Output);
    }

    [Fact]
    public async Task Live_trades_are_paced_by_their_execution_time_gaps_divided_by_the_speed_factor()
    {
        var replay = await TradeFeedClient.ReplayAsync(fixture.Feeds, TimeSpan.FromSeconds(20));

        // Live rows at 0, 1, 3 and 4 s after 06:00 are due 0, 0.1, 0.3 and 0.4 s after the history at speed 10. The
        // server keeps an absolute schedule from a start after the client began to connect, so arrival times since
        // then cannot be early; gaps between two messages can look short when a busy test host reads one late. The
        // upper bound is loose for loaded machines, yet well below the 4 s the live rows would take at speed 1.
        var live = replay.Messages.Skip(3).Select(m => m.At.TotalSeconds).ToList();
        var due = new[] { 0, 0.1, 0.3, 0.4 };
        Assert.Equal(due.Length, live.Count);
        for (var i = 0; i < due.Length; i++)
            Assert.InRange(live[i], due[i] - 0.005, due[i] + 1.5);
    }
}
