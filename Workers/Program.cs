using Npgsql;
using Trades.Analytics;
using Workflows.Trades;
using ServiceDefaults;
using ServiceDefaults.Kafka;
using ServiceDefaults.Lake;
using ServiceDefaults.Postgres;
using ServiceDefaults.Temporal;
using Temporalio.Extensions.Hosting;
using Workers.Grid;
using Workers.Heartbeat;
using Workers.Ingestion;
using Workers.Meters;
using Workers.Prices;
using Workers.Storage;
using Workers.Trades;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddPostgres("postgres");
builder.AddKafkaProducer<byte[]?, byte[]>("kafka");
builder.AddLake("lake");

builder.Services.AddSingleton<ConsumerOffsetStore>();
builder.Services.AddHealthChecks().AddCheck<DataLossHealthCheck>("data-loss", tags: [Extensions.ReadyTag]);
builder.AddKafkaIngestion<HeartbeatIngestion>(HeartbeatIngestion.Group);

builder.Services.AddHttpClient();
builder.Services.AddSingleton<TradeFeedReader>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<TradeFeedReader>());
builder.Services.AddHealthChecks().Add(new("trade-feed", sp => sp.GetRequiredService<TradeFeedReader>(), null, [Extensions.ReadyTag]));
builder.AddKafkaIngestion<TradeIngestion>(TradeIngestion.Group);

builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton(builder.Configuration.GetSection("Trades:Analysis").Get<AnalysisOptions>() ?? new AnalysisOptions());
builder.AddTemporalWorker(TradePipelineWorkflow.TaskQueue)
    .AddScopedActivities<TradeActivities>()
    .AddWorkflow<TradePipelineWorkflow>()
    .ConfigureOptions(o => o.MaxConcurrentActivities = builder.Configuration.GetValue("Temporal:Worker:MaxConcurrentActivities", 4));
builder.Services.AddHostedService<TradeLiveSchedule>();
builder.AddGridIngestion();

builder.AddMeters();

builder.AddPriceReports();

var app = builder.Build();
await PipelineSchema.ApplyAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), app.Lifetime.ApplicationStopping);
app.MapDefaultEndpoints();
await app.RunAsync(); // not Run(): the hosted Temporal worker needs the async host (temporalio/sdk-dotnet#220)
