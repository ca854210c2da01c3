using AppHost.Resources;

var builder = DistributedApplication.CreateBuilder(args);
builder.AddStartupReport();

// Infrastructure: local processes by default; ConnectionStrings:<name> in the configuration makes one external.
var postgres = builder.AddLocalPostgres("postgres").WithDatabase("pipeline");
var kafka = builder.AddLocalKafka("kafka")
    .WithTopic("pipeline.heartbeat", partitions: 1)
    .WithTopic("energy.trades.v1", partitions: 16)
    .WithTopic("energy.meters.v1", partitions: 4)
    .WithTopic("prices", partitions: 4);
var lake = builder.AddLocalS3("lake").WithBucket("energy-lake");

var temporal = builder.AddLocalTemporal("temporal", postgres);

var feeds = builder.AddService<Projects.Feeds>("feeds")
    .WithConfigurationSection("TradeFeed")
    .WithConfigurationSection("EnergyCharts")
    .WithReference(kafka)
    .WaitFor(kafka);

var workers = builder.AddService<Projects.Workers>("workers")
    .WithReference(postgres)
    .WithReference(kafka)
    .WithReference(lake)
    .WithReference(feeds)
    .WithReference(temporal)
    .WaitFor(postgres)
    .WaitFor(kafka)
    .WaitFor(lake);

builder.AddService<Projects.Web>("web", port: 5080)
    .WithConfigurationSection("Operators")
    .WithReference(postgres)
    .WithReference(kafka)
    .WithReference(lake)
    .WithReference(feeds)
    .WithReference(workers)
    .WithReference(temporal)
    .WithDashboardLinks()
    .WaitFor(postgres);

builder.Build().Run();
