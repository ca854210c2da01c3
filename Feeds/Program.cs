using Feeds.EnergyCharts;
using Feeds.Heartbeat;
using Feeds.Meters;
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
    builder.AddEnergyChartsStandIn();
    builder.AddMeterFeed();
    builder.AddPriceFeed();

    var app = builder.Build();
    app.MapDefaultEndpoints();
    app.MapTradeFeed();
    app.MapEnergyChartsStandIn();
    app.Run();
    return 0;
}
catch (Exception error) when (error is TradeFeedConfigurationException or EnergyChartsConfigurationException or PriceFeedConfigurationException)
{
    Console.Error.WriteLine($"error: {error.Message}");
    return 1;
}
