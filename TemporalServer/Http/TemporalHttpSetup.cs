using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using TemporalServer.Ui;

namespace TemporalServer.Http;

/// <summary>
/// The HTTP port (<c>Temporal:HttpPort</c>, default 8233, like <c>temporal server start-dev</c>'s UI port): the
/// /api/v1 JSON API and the Temporal Web UI on one origin, so the UI's API calls need no CORS.
/// </summary>
public static class TemporalHttpSetup
{
    public static WebApplicationBuilder AddTemporalHttp(this WebApplicationBuilder builder)
    {
        var port = builder.Configuration.GetValue("Temporal:HttpPort", 8233);
        var address = IPAddress.Parse(builder.Configuration["Temporal:HttpAddress"] ?? "127.0.0.1");
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(address, port, listen => listen.Protocols = HttpProtocols.Http1AndHttp2));
        return builder;
    }

    public static WebApplication MapTemporalHttp(this WebApplication app)
    {
        app.MapTemporalHttpApi();
        app.MapTemporalUi();
        return app;
    }
}
