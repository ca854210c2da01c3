using Feeds.Heartbeat;
using ServiceDefaults;
using ServiceDefaults.Kafka;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddKafka("kafka");

builder.Services.AddHostedService<HeartbeatPublisher>();

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
