using Npgsql;
using ServiceDefaults;
using ServiceDefaults.Kafka;
using ServiceDefaults.Lake;
using ServiceDefaults.Postgres;
using Workers.Heartbeat;
using Workers.Storage;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddPostgres("postgres");
builder.AddKafka("kafka");
builder.AddLake("lake");

builder.Services.AddHostedService<HeartbeatConsumer>();

var app = builder.Build();
await PipelineSchema.ApplyAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), app.Lifetime.ApplicationStopping);
app.MapDefaultEndpoints();
app.Run();
