namespace Feeds.Trades;

static class TradeFeedRegistration
{
    /// <summary>
    /// Reads the <c>TradeFeed</c> settings and loads the trades now, while the service is being built, so a bad
    /// setting or an unreadable file stops it with a <see cref="TradeFeedConfigurationException"/> before it starts.
    /// </summary>
    public static void AddTradeFeed(this WebApplicationBuilder builder)
    {
        var options = TradeFeedOptions.FromConfiguration(builder.Configuration);
        var source = TradeFeedSource.Load(options);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(source);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<TradeFeedServer>();
        builder.Services.AddHostedService(services => services.GetRequiredService<TradeFeedServer>());
    }

    /// <summary><c>GET /trades/feed</c>: the feed's bound URL (the port can be 0 = any) and what it replays.</summary>
    public static void MapTradeFeed(this WebApplication app) =>
        app.MapGet("/trades/feed", (TradeFeedServer feed) => feed.Status());
}
