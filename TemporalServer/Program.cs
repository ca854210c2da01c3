using ServiceDefaults;
using TemporalServer;
using TemporalServer.Http;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddTemporalServer();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapTemporalServer();
app.MapTemporalHttp();
app.Run();
