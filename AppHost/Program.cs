using AppHost.Hosting;

var app = DistributedApp.CreateBuilder(args);

var postgres = app.AddPostgres("postgres", database: "pipeline");
var kafka = app.AddKafka("kafka")
    .WithTopic("pipeline.heartbeat", partitions: 1)
    .WithTopic("energy.trades.v1", partitions: 16);
var lake = app.AddS3("lake").WithBucket("energy-lake");
// Local OTLP backend (traces, logs) in PostgreSQL; every project exports to it unless OTEL_EXPORTER_OTLP_ENDPOINT is set.
app.AddOtlpReceiver("telemetry").WithStorage(postgres);

var feeds = app.AddProject("feeds", "../Feeds/Feeds.csproj")
    .WithReference(kafka)
    .WithConfiguration(app.Configuration, "TradeFeed")
    .WaitFor(kafka);

var workers = app.AddProject("workers", "../Workers/Workers.csproj")
    .WithReference(postgres)
    .WithReference(kafka)
    .WithReference(lake)
    .WithReference(feeds)
    .WaitFor(postgres)
    .WaitFor(kafka)
    .WaitFor(lake);

app.AddProject("web", "../Web/Web.csproj")
    .WithReference(postgres)
    .WithReference(kafka)
    .WithReference(lake)
    .WithReference(feeds)
    .WithReference(workers)
    .WithConfiguration(app.Configuration, "Operators")
    .WithHttpEndpoint(port: 5080)
    .WaitFor(postgres);

return await app.Build().RunAsync();
