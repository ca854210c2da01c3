using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace TemporalServer.Authentication;

/// <summary>
/// The Web UI's login when an API key is set. The settings tell the UI that auth is on, so it sends a visitor
/// without a key to <c>/auth/sso</c> (and, on a 401, to <c>/login</c>, which starts over). This page asks for the key
/// and hands it to the UI the way Temporal's ui-server hands over an SSO user: a short-lived <c>user0</c> cookie
/// (base64 JSON with <c>AccessToken</c>) that the UI moves into its own store and deletes; the UI then sends it as
/// <c>Authorization: Bearer</c> on every API call.
/// </summary>
static class UiLogin
{
    const string Path = "/auth/sso";

    public static WebApplication MapUiLogin(this WebApplication app)
    {
        if (ApiKeyAuthentication.Key(app.Configuration) is not { } key) return app;
        app.MapGet("/login", (HttpContext http) => Results.Redirect(Path + http.Request.QueryString));
        app.MapGet(Path, (HttpContext http) => Form(ReturnUrl(http, http.Request.Query["returnUrl"]), http.Request.Query["error"]));
        app.MapPost(Path, async (HttpContext http) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            var returnUrl = ReturnUrl(http, form["returnUrl"]);
            if (!ApiKeyAuthentication.Matches(form["apiKey"].ToString(), key))
                return Form(returnUrl, "That is not this server's API key.", StatusCodes.Status401Unauthorized);
            var user = JsonSerializer.SerializeToUtf8Bytes(new { AccessToken = form["apiKey"].ToString(), Name = "API key" });
            http.Response.Cookies.Append("user0", Convert.ToBase64String(user).TrimEnd('='), new CookieOptions
            {
                Path = "/",
                SameSite = SameSiteMode.Strict,
                Secure = http.Request.IsHttps,
                MaxAge = TimeSpan.FromMinutes(1),
            });
            return Results.Redirect(returnUrl);
        });
        return app;
    }

    /// <summary>Where to go after the login: a page of this server (the UI sends its absolute URL), never elsewhere.</summary>
    static string ReturnUrl(HttpContext http, string? requested)
    {
        if (Uri.TryCreate(requested, UriKind.Absolute, out var url))
            return url.Scheme is "http" or "https" && url.Authority == http.Request.Host.Value ? url.PathAndQuery : "/";
        return requested is "/" or ['/', not ('/' or '\\'), ..] ? requested : "/";
    }

    static IResult Form(string returnUrl, string? error, int status = StatusCodes.Status200OK)
    {
        var html = HtmlEncoder.Default;
        var message = string.IsNullOrEmpty(error) ? "" : $"""<p role="alert">{html.Encode(error)}</p>""";
        return Results.Content($$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Temporal: sign in</title>
            <style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto}input,button{font-size:1rem;padding:.4rem;margin:.3rem 0;width:100%}</style>
            </head><body>
            <h1>Temporal</h1>
            <p>This server requires its API key (<code>Temporal:ApiKey</code>).</p>
            {{message}}
            <form method="post" action="{{Path}}">
            <input type="hidden" name="returnUrl" value="{{html.Encode(returnUrl)}}">
            <label for="apiKey">API key</label>
            <input id="apiKey" name="apiKey" type="password" autocomplete="current-password" required autofocus>
            <button type="submit">Sign in</button>
            </form>
            </body></html>
            """, "text/html; charset=utf-8", Encoding.UTF8, status);
    }
}
