using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace Web.Api;

/// <summary>
/// Exceptions under /api become ProblemDetails without a stack trace: a request the framework could not bind (invalid
/// JSON, a missing body) is the client's 400 naming the field; anything else is a 500 with a trace id. Pages get /error.
/// </summary>
public sealed class ApiExceptionHandler(IProblemDetailsService problems, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        // The middleware has already pointed the request at /error: the feature keeps the path that failed.
        if (!ApiErrors.IsApi(context.Features.Get<IExceptionHandlerPathFeature>()?.Path ?? context.Request.Path)) return false;
        if (exception is BadHttpRequestException bad)
        {
            logger.LogInformation("rejected {Method} {Path}: {Reason}", context.Request.Method, context.Request.Path, bad.Message);
            context.Response.StatusCode = bad.StatusCode;
            return await problems.TryWriteAsync(new()
            {
                HttpContext = context,
                ProblemDetails = new HttpValidationProblemDetails(BodyErrors(bad)) { Title = "The request body could not be read.", Status = bad.StatusCode },
            });
        }
        logger.LogError(exception, "unhandled error in {Method} {Path}", context.Request.Method, context.Request.Path);
        context.Response.StatusCode = StatusCodes.Status500InternalServerError;
        return await problems.TryWriteAsync(new()
        {
            HttpContext = context,
            ProblemDetails = { Title = "The server could not complete the request.", Detail = "The error was logged; quote the trace id when reporting it.", Status = 500 },
        });
    }

    /// <summary>
    /// The field the body failed at (JSON's path without <c>$.</c>, e.g. <c>firstDay</c>), or <c>body</c> when the
    /// body as a whole is missing or not JSON.
    /// </summary>
    static Dictionary<string, string[]> BodyErrors(BadHttpRequestException bad)
    {
        if (bad.InnerException is JsonException { Path: { } path } json)
        {
            var field = path.TrimStart('$').TrimStart('.');
            return new() { [field.Length == 0 ? "body" : field] = [$"is not valid JSON for this request: {FirstLine(json.Message)}"] };
        }
        return new() { ["body"] = [bad.Message] };
    }

    static string FirstLine(string message) => message.Split('\n')[0].Trim();
}
