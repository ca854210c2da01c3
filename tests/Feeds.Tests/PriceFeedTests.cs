using System.Text.Json;
using TestSupport;

namespace Feeds.Tests;

public sealed class PriceFeedTests : IDisposable
{
    readonly KafkaFixture _kafka = new();

    Task<ServiceProcess> StartFeedsAsync() => StartFeedsWithAsync(new() { ["PriceFeed__Count"] = "300", ["PriceFeed__Symbols"] = "AAPL,XYZ=100:2" });

    [Fact]
    public async Task Feeds_sends_one_batch_of_price_ticks_and_no_second_one_after_a_restart()
    {
        _kafka.CreateTopic("prices", 2);

        await using (var feeds = await StartFeedsAsync())
        {
            var ticks = KafkaTestClients.ReadAll(_kafka.BootstrapServers, "prices", expectedAtLeast: 300, TimeSpan.FromSeconds(30));
            Assert.True(ticks.Count == 300, $"{ticks.Count} ticks\n{feeds.Output}");
            var bodies = ticks.Select(t => JsonDocument.Parse(t.Value).RootElement).ToList();
            Assert.Equal(["AAPL", "XYZ"], bodies.Select(b => b.GetProperty("symbol").GetString()).Distinct().Order());
            Assert.All(ticks, t => Assert.Equal(JsonDocument.Parse(t.Value).RootElement.GetProperty("symbol").GetString(), t.Key));
        }

        await using (var restarted = await StartFeedsAsync())
        {
            for (var deadline = DateTime.UtcNow.AddSeconds(30); !restarted.Output.Contains("already holds") && DateTime.UtcNow < deadline;) await Task.Delay(200);
            Assert.Contains("topic prices already holds 300 messages: no second batch of price ticks", restarted.Output);
        }
        Assert.Equal(300, KafkaTestClients.ReadAll(_kafka.BootstrapServers, "prices", expectedAtLeast: 301, TimeSpan.FromSeconds(15)).Count); // waits the whole 15 s: a group join alone takes seconds
    }

    [Fact]
    public async Task A_bad_price_feed_setting_stops_Feeds_at_start_naming_it()
    {
        var start = StartFeedsWithAsync(new() { ["PriceFeed__Count"] = "10", ["PriceFeed__Symbols"] = "XYZ" });

        var error = await Assert.ThrowsAnyAsync<Exception>(() => start);

        Assert.Contains("error: PriceFeed:Symbols: 'XYZ' has no default distribution", error.Message);
    }

    Task<ServiceProcess> StartFeedsWithAsync(Dictionary<string, string> settings)
    {
        settings["ConnectionStrings__kafka"] = _kafka.BootstrapServers;
        settings["TradeFeed__Port"] = "0";
        settings["TradeFeed__Intensity"] = "0.05";
        return ServiceProcess.StartAsync("Feeds", settings);
    }

    public void Dispose() => _kafka.Dispose();
}
