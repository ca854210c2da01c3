using Feeds.Heartbeat;
using Feeds.Prices;
using Feeds.Trades;
using ServiceDefaults;
using ServiceDefaults.Kafka;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddKafkaProducer<string, string>("kafka");

builder.Services.AddHostedService<HeartbeatPublisher>();

try
{
    builder.AddTradeFeed();
    builder.AddPriceFeed();

    var app = builder.Build();
    app.MapDefaultEndpoints();
    app.MapTradeFeed();
    app.Run();
    return 0;
}
catch (Exception error) when (error is TradeFeedConfigurationException or PriceFeedConfigurationException)
{
    Console.Error.WriteLine($"error: {error.Message}");
    return 1;
}
