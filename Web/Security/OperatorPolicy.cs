using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Web.Api;

namespace Web.Security;

/// <summary>
/// Who may do what. Pages sign in with a cookie (form at /account/login); the API takes HTTP Basic credentials.
/// Reading is open in Development and needs a signed-in user elsewhere; changing anything needs the operator role
/// (401 without credentials, 403 for a signed-in viewer). API mutations accept Basic only, never the cookie, so a
/// browser session cannot be ridden by a cross-site request.
/// </summary>
public static class OperatorPolicy
{
    public const string ReadName = "read";
    public const string ApiName = "api-operator";
    const string Smart = "cookie-or-basic";

    public static WebApplicationBuilder AddOperatorSecurity(this WebApplicationBuilder builder)
    {
        var openReads = builder.Environment.IsDevelopment();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<Operators>();
        builder.Services.AddAuthentication(Smart)
            .AddPolicyScheme(Smart, "cookie or Basic", o => o.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.ToString().StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)
                    ? BasicAuthenticationHandler.SchemeName : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o =>
            {
                o.LoginPath = "/account/login";
                o.AccessDeniedPath = "/account/denied";
                o.Cookie.Name = "pipeline.auth";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                o.SlidingExpiration = true;
                o.Events.OnRedirectToLogin = c => ApiStatusOrRedirect(c, 401);
                o.Events.OnRedirectToAccessDenied = c => ApiStatusOrRedirect(c, 403);
            })
            .AddScheme<AuthenticationSchemeOptions, BasicAuthenticationHandler>(BasicAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ReadName, p =>
            {
                p.AddAuthenticationSchemes(Smart);
                if (openReads) p.RequireAssertion(_ => true);
                else p.RequireAuthenticatedUser();
            })
            .AddPolicy(ApiName, p => p.AddAuthenticationSchemes(BasicAuthenticationHandler.SchemeName).RequireAuthenticatedUser().RequireRole(Operators.OperatorRole));
        builder.Services.AddCascadingAuthenticationState();
        return builder;
    }

    static Task ApiStatusOrRedirect(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (ApiErrors.IsApi(context.HttpContext)) return ApiErrors.WriteAsync(context.HttpContext, status);
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }

    public static bool IsOperator(this System.Security.Claims.ClaimsPrincipal user) =>
        user.Identity?.IsAuthenticated == true && user.IsInRole(Operators.OperatorRole);

    /// <summary>POST /account/login (form, antiforgery-checked) and POST /account/logout.</summary>
    public static void MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/account/login", async (HttpContext http, Operators operators, [FromForm] string? username, [FromForm] string? password, [FromForm] string? returnUrl) =>
        {
            var target = LocalUrl(returnUrl);
            var principal = string.IsNullOrEmpty(username) || string.IsNullOrEmpty(password)
                ? null : operators.SignIn(username, password, CookieAuthenticationDefaults.AuthenticationScheme);
            if (principal is null) return Results.Redirect($"/account/login?failed=1&returnUrl={Uri.EscapeDataString(target)}");
            await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal);
            return Results.LocalRedirect(target);
        }).AllowAnonymous().ExcludeFromDescription();

        app.MapPost("/account/logout", async (HttpContext http) =>
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.LocalRedirect("/");
        }).AllowAnonymous().ExcludeFromDescription();
    }

    static string LocalUrl(string? url) => !string.IsNullOrEmpty(url) && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal) ? url : "/";
}
