using Durable;
using Npgsql;
using Trades.Analytics;
using Workflows.Trades;
using ServiceDefaults;
using ServiceDefaults.Kafka;
using ServiceDefaults.Lake;
using ServiceDefaults.Postgres;
using Workers.Heartbeat;
using Workers.Ingestion;
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
builder.Services.AddDurableWorker(o =>
    {
        o.TaskQueue = TradePipelineWorkflow.TaskQueue;
        o.MaxConcurrentWorkflowTasks = builder.Configuration.GetValue("Durable:MaxConcurrentWorkflowTasks", 8);
        o.MaxConcurrentActivities = builder.Configuration.GetValue("Durable:MaxConcurrentActivities", 4);
        // How long a dead worker's tasks stay locked before another worker takes them over.
        o.LeaseDuration = TimeSpan.FromSeconds(builder.Configuration.GetValue("Durable:LeaseSeconds", 30.0));
    })
    .AddWorkflow<TradePipelineWorkflow>()
    .AddActivities<TradeActivities>();
builder.Services.AddDurableClient();
builder.Services.AddHostedService<TradeLiveSchedule>();

var app = builder.Build();
await PipelineSchema.ApplyAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), app.Lifetime.ApplicationStopping);
app.MapDefaultEndpoints();
app.Run();
