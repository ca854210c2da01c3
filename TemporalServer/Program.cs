using ServiceDefaults;
using TemporalServer;
using TemporalServer.Http;

// appsettings.json is read once: reloading it on change watches the content root recursively, which for a server started
// from its project folder (the AppHost, tests) is thousands of directories of the UI's node_modules held in memory.
var builder = WebApplication.CreateBuilder([.. args, "--hostBuilder:reloadConfigOnChange=false"]);
builder.AddServiceDefaults();
builder.AddTemporalServer();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapTemporalServer();
app.MapTemporalHttp();
app.Run();
