using ServiceDefaults;
using ServiceDefaults.Health;
using ServiceDefaults.Kafka;
using ServiceDefaults.Lake;
using ServiceDefaults.Postgres;
using Web.Components;
using Web.Resources;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddPostgres("postgres");
builder.AddKafka("kafka");
builder.AddLake("lake");
builder.AddReferencedServiceHealthChecks();

builder.Services.AddRazorComponents();
builder.Services.AddSingleton<ResourceStatusReader>();

var app = builder.Build();
if (!app.Environment.IsDevelopment()) app.UseExceptionHandler("/error", createScopeForErrors: true);
app.UseAntiforgery();
app.MapStaticAssets();
app.MapDefaultEndpoints();
app.MapResourceApi();
app.MapRazorComponents<App>();
app.Run();
