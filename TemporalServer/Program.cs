using ServiceDefaults;
using TemporalServer;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddTemporalServer();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapTemporalServer();
app.Run();
