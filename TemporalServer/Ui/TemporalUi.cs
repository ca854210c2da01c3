using Microsoft.Extensions.FileProviders;

namespace TemporalServer.Ui;

/// <summary>
/// Serves the built Temporal Web UI (the output's <c>ui/</c> folder, or <c>Temporal:UiPath</c>) as static files,
/// with every other non-API path answered by its index.html (the app routes in the browser).
/// </summary>
static class TemporalUi
{
    public static WebApplication MapTemporalUi(this WebApplication app)
    {
        var root = app.Configuration["Temporal:UiPath"] ?? Path.Combine(AppContext.BaseDirectory, "ui");
        if (!File.Exists(Path.Combine(root, "index.html")))
        {
            app.Logger.LogWarning("The Temporal Web UI is not served: {Index} does not exist (the build runs npm to create it)", Path.Combine(root, "index.html"));
            return app;
        }
        var files = new PhysicalFileProvider(root);
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
        app.MapFallbackToFile("index.html", new StaticFileOptions { FileProvider = files });
        return app;
    }
}
