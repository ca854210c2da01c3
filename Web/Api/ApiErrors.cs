using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing.Template;

namespace Web.Api;

/// <summary>
/// The API's error contract: every error under <c>/api</c> (and <c>/openapi</c>) is an RFC 9457
/// <c>application/problem+json</c> body with the right status, whoever produced it: an endpoint's own problem, routing
/// (404, 405, 415), authentication (401 with <c>WWW-Authenticate</c>), authorisation (403), or a request the framework
/// could not bind (<see cref="ApiExceptionHandler"/>). Pages get the app's status page instead.
/// </summary>
public static class ApiErrors
{
    public const string BasicChallenge = "Basic realm=\"energy-pipeline\", charset=\"UTF-8\"";

    public static bool IsApi(HttpContext context) => IsApi(context.Request.Path);

    public static bool IsApi(PathString path) => path.StartsWithSegments("/api") || path.StartsWithSegments("/openapi");

    /// <summary>
    /// Empty error responses get a body: ProblemDetails under /api, the status page (<c>/status/{code}</c>, which says what
    /// was asked) elsewhere.
    /// </summary>
    public static WebApplication UseErrorResponses(this WebApplication app)
    {
        // Outer: re-executing needs the application's own builder (its route builder re-routes the request); an API error
        // already has its problem body from the inner middleware, so only pages reach the status page.
        app.UseStatusCodePagesWithReExecute("/status/{0}", createScopeForStatusCodePages: true);
        app.UseWhen(IsApi, api => api.UseStatusCodePages(context => WriteAsync(context.HttpContext, context.HttpContext.Response.StatusCode)));
        return app;
    }

    /// <summary>Writes the problem for <paramref name="status"/> with a detail that says what to do about it.</summary>
    public static async Task WriteAsync(HttpContext context, int status, string? detail = null)
    {
        // A policy with several schemes challenges each of them: the first one answers.
        if (context.Response.HasStarted) return;
        context.Response.StatusCode = status;
        if (status == StatusCodes.Status401Unauthorized) context.Response.Headers.WWWAuthenticate = BasicChallenge;
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new()
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Detail = detail ?? DefaultDetail(context, status) },
        });
    }

    static string? DefaultDetail(HttpContext context, int status) => status switch
    {
        StatusCodes.Status401Unauthorized => "Send operator credentials: Authorization: Basic base64(name:password).",
        StatusCodes.Status403Forbidden => "These credentials may read but not change anything; this needs the operator role.",
        StatusCodes.Status404NotFound => $"No endpoint answers {context.Request.Path}; the endpoints are listed in /openapi/v1.json.",
        StatusCodes.Status405MethodNotAllowed => $"{context.Request.Path} does not answer {context.Request.Method}; see /openapi/v1.json.",
        StatusCodes.Status415UnsupportedMediaType => UnsupportedMediaType(context),
        _ => null,
    };

    /// <summary>
    /// Routing answers 415 itself when no endpoint of the path accepts the request's Content-Type, before the endpoint
    /// (or its metadata) is known: the accepted types are read from the endpoints whose route matches the path.
    /// </summary>
    static string UnsupportedMediaType(HttpContext context)
    {
        var accepted = context.RequestServices.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => Matches(e, context))
            .SelectMany(e => e.Metadata.GetMetadata<IAcceptsMetadata>()?.ContentTypes ?? [])
            .Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        return $"Content-Type '{context.Request.ContentType ?? "(none)"}' is not accepted here; send one of: {string.Join(", ", accepted)}.";
    }

    static bool Matches(RouteEndpoint endpoint, HttpContext context)
    {
        if (endpoint.Metadata.GetMetadata<IHttpMethodMetadata>() is { } methods && !methods.HttpMethods.Contains(context.Request.Method, StringComparer.OrdinalIgnoreCase))
            return false;
        return new TemplateMatcher(new RouteTemplate(endpoint.RoutePattern), new RouteValueDictionary()).TryMatch(context.Request.Path, new RouteValueDictionary());
    }
}
