using System.Text.Json.Serialization;
using ServiceDefaults;
using ServiceDefaults.Health;
using ServiceDefaults.Kafka;
using ServiceDefaults.Lake;
using ServiceDefaults.Postgres;
using ServiceDefaults.Temporal;
using Web.Api;
using Web.Components;
using Web.Dashboard;
using Web.Grid;
using Web.Meters;
using Web.Pipeline;
using Web.Prices;
using Web.Resources;
using Web.Security;
using Web.Trades;

if (args is ["hash-password", ..]) return OperatorPasswords.RunCommandLine(Console.In, Console.Out, Console.Error);

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddPostgres("postgres");
builder.AddKafkaHealthCheck("kafka");
builder.AddLake("lake");
builder.AddTemporalClient("temporal");
builder.AddReferencedServiceHealthChecks();
builder.AddOperatorSecurity();

builder.Services.AddRazorComponents().AddInteractiveServerComponents();
builder.Services.AddApiDocument();
builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
// X-Frame-Options comes from SecurityHeaders (DENY, with CSP frame-ancestors); antiforgery's SAMEORIGIN would duplicate it.
builder.Services.AddAntiforgery(o => o.SuppressXFrameOptionsHeader = true);
builder.Services.AddProblemDetails();
// A body the framework cannot bind (invalid JSON) throws, so ApiExceptionHandler answers 400 naming the field; without
// this, Production answered an empty 400 and Development a 500.
builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
builder.Services.AddExceptionHandler<ApiExceptionHandler>();
builder.Services.AddSingleton<ResourceStatusReader>();
builder.Services.AddSingleton<PipelineOverviewReader>();
builder.Services.AddSingleton<TradeReports>();
builder.Services.AddSingleton<TradeImport>();
builder.Services.AddSingleton<PipelineRuns>();
builder.Services.AddSingleton<DashboardLinks>();
builder.AddGridReports();
builder.Services.AddSingleton<MeterReports>();
builder.Services.AddPriceReports();

var app = builder.Build();
// Always the friendly page (and ProblemDetails under /api): no stack trace reaches a user, in Development either.
app.UseExceptionHandler("/error", createScopeForErrors: true);
app.UseErrorResponses();
app.UseSecurityHeaders();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();
app.MapStaticAssets();
app.MapDefaultEndpoints();
app.MapOpenApi().RequireAuthorization(OperatorPolicy.ReadName);

var api = app.MapGroup("/api").RequireAuthorization(OperatorPolicy.ReadName);
api.MapResourceApi();
api.MapPipelineApi();
api.MapTradesApi();
api.MapGridApi();
api.MapMetersApi();
api.MapPricesApi();

app.MapAccountEndpoints();
// Our CSP already says frame-ancestors 'none'; Blazor's own frame-ancestors header would be a second, weaker CSP.
app.MapRazorComponents<App>().AddInteractiveServerRenderMode(o => o.ContentSecurityFrameAncestorsPolicy = null).RequireAuthorization(OperatorPolicy.ReadName);
app.Run();
return 0;
