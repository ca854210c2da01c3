using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using TestSupport;
using Trades;
using Trades.Generation;
using Trades.Json;

namespace Feeds.Tests;

/// <summary>One Feeds process serving a generated day as fast as clients read, shared by the tests of the class.</summary>
public sealed class GeneratedFeedFixture : IAsyncLifetime
{
    public static readonly DateOnly Day = new(2023, 1, 1);
    public const ulong Seed = 7;

    readonly KafkaFixture _kafka = new();

    public ServiceProcess Feeds { get; private set; } = null!;

    /// <summary>What the generator yields for the same settings, in execution-time order.</summary>
    public IReadOnlyList<Trade> Expected { get; } = TradeGenerator.GenerateDays(new TradeGenerationOptions { FirstDay = Day, Areas = ["FR"], Seed = Seed }).Single().Trades;

    /// <summary>06:00 in Paris on the replay day: a winter day, so 05:00 UTC.</summary>
    public static DateTime LiveFrom { get; } = new(2023, 1, 1, 5, 0, 0, DateTimeKind.Utc);

    public async Task InitializeAsync() => Feeds = await ServiceProcess.StartAsync("Feeds", new Dictionary<string, string>
    {
        ["ConnectionStrings__kafka"] = _kafka.BootstrapServers,
        ["TradeFeed__Port"] = "0",
        ["TradeFeed__Day"] = Day.ToString("yyyy-MM-dd"),
        ["TradeFeed__Area"] = "FR",
        ["TradeFeed__Seed"] = Seed.ToString(),
        ["TradeFeed__Speed"] = "1e6",
    });

    public async Task DisposeAsync()
    {
        await Feeds.DisposeAsync();
        _kafka.Dispose();
    }
}

public sealed class GeneratedTradeFeedTests(GeneratedFeedFixture fixture) : IClassFixture<GeneratedFeedFixture>
{
    static readonly TimeSpan ReplayTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_client_receives_the_generated_day_once_history_first_then_live_in_execution_order()
    {
        var replay = await TradeFeedClient.ReplayAsync(fixture.Feeds, ReplayTimeout);

        Assert.Equal(WebSocketCloseStatus.NormalClosure, replay.CloseStatus);
        Assert.Equal("replay complete", replay.CloseDescription);
        Assert.Equal(fixture.Expected.Count, replay.Messages.Count);
        Assert.Equal(fixture.Expected.Count, replay.Messages.Select(m => (m.Field("TradeId"), m.Field("Side"))).Distinct().Count());

        var history = replay.Messages.TakeWhile(m => m.ExecutionTime < GeneratedFeedFixture.LiveFrom).ToList();
        var live = replay.Messages.Skip(history.Count).ToList();
        Assert.NotEmpty(history);
        Assert.NotEmpty(live);
        Assert.All(live, m => Assert.True(m.ExecutionTime >= GeneratedFeedFixture.LiveFrom, $"{m.Json} arrived after the first live trade"));
        Assert.Equal(live.Select(m => m.ExecutionTime).Order(), live.Select(m => m.ExecutionTime));
        Assert.Equal(fixture.Expected.Count(t => t.ExecutionTime < GeneratedFeedFixture.LiveFrom), history.Count);

        // Byte for byte the generator's trades in its order, as the shared JSON contract writes them.
        Assert.Equal(fixture.Expected.Select(t => Encoding.UTF8.GetString(TradeJson.ToUtf8Bytes(t))), replay.Messages.Select(m => m.Json));
    }

    [Fact]
    public async Task Every_message_is_one_object_of_string_values_in_csv_column_order()
    {
        var replay = await TradeFeedClient.ReplayAsync(fixture.Feeds, ReplayTimeout);

        Assert.All(replay.Messages.Take(2_000), message =>
        {
            var properties = message.Body.EnumerateObject().ToList();
            Assert.Equal(TradeColumns.Names, properties.Select(p => p.Name));
            Assert.All(properties, p => Assert.Equal(JsonValueKind.String, p.Value.ValueKind));
        });
    }

    [Fact]
    public async Task Two_concurrent_clients_each_receive_the_full_replay()
    {
        using var first = await TradeFeedClient.ConnectAsync(fixture.Feeds);
        using var second = await TradeFeedClient.ConnectAsync(fixture.Feeds);

        var replays = await Task.WhenAll(TradeFeedClient.ReadToCloseAsync(first, ReplayTimeout), TradeFeedClient.ReadToCloseAsync(second, ReplayTimeout));

        Assert.All(replays, replay =>
        {
            Assert.Equal(WebSocketCloseStatus.NormalClosure, replay.CloseStatus);
            Assert.Equal(fixture.Expected.Count, replay.Messages.Count);
            Assert.Equal(fixture.Expected[^1].TradeId.ToString(), replay.Messages[^1].Field("TradeId"));
        });
    }

    [Fact]
    public async Task A_client_that_drops_mid_replay_is_let_go_and_the_next_one_gets_everything()
    {
        using (var dropping = await TradeFeedClient.ConnectAsync(fixture.Feeds))
        {
            var buffer = new byte[8192];
            for (var i = 0; i < 10; i++) await dropping.ReceiveAsync(buffer, CancellationToken.None);
            dropping.Abort();
        }

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await TradeFeedClient.DiscoverAsync(fixture.Feeds)).GetProperty("activeConnections").GetInt64() > 0 && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        Assert.Equal(0, (await TradeFeedClient.DiscoverAsync(fixture.Feeds)).GetProperty("activeConnections").GetInt64());
        Assert.Contains(": Disconnected after ", fixture.Feeds.Output);

        var replay = await TradeFeedClient.ReplayAsync(fixture.Feeds, ReplayTimeout);
        Assert.Equal(fixture.Expected.Count, replay.Messages.Count);
    }

    [Fact]
    public async Task The_feed_endpoint_tells_where_the_feed_is_and_what_it_replays()
    {
        var feed = await TradeFeedClient.DiscoverAsync(fixture.Feeds);

        var url = new Uri(feed.GetProperty("url").GetString()!);
        Assert.Equal("ws", url.Scheme);
        Assert.Equal("127.0.0.1", url.Host);
        Assert.NotEqual(fixture.Feeds.Port, url.Port);
        Assert.Equal("generated", feed.GetProperty("source").GetString());
        Assert.Equal("2023-01-01", feed.GetProperty("day").GetString());
        Assert.Equal("FR", feed.GetProperty("area").GetString());
        Assert.Equal(GeneratedFeedFixture.Seed, feed.GetProperty("seed").GetUInt64());
        Assert.Equal(GeneratedFeedFixture.LiveFrom, feed.GetProperty("liveFrom").GetDateTime().ToUniversalTime());
        Assert.Equal(fixture.Expected.Count, feed.GetProperty("historyCount").GetInt32() + feed.GetProperty("liveCount").GetInt32());
        Assert.Equal(0, feed.GetProperty("invalidRows").GetInt32());
    }
}
