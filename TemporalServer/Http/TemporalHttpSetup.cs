using TemporalServer.Authentication;
using TemporalServer.Ui;

namespace TemporalServer.Http;

/// <summary>
/// The /api/v1 JSON API and the Temporal Web UI on the server's HTTP ports (<c>Temporal:HttpPort</c>, default 8233, like
/// <c>temporal server start-dev</c>'s UI port; see TemporalServerSetup), one origin, so the UI's API calls need no CORS.
/// </summary>
public static class TemporalHttpSetup
{
    public static WebApplication MapTemporalHttp(this WebApplication app)
    {
        app.MapTemporalHttpApi();
        app.MapUiLogin();
        app.MapTemporalUi();
        return app;
    }
}
