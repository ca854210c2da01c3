using Microsoft.AspNetCore.Diagnostics;

namespace Web.Api;

/// <summary>Unhandled errors under /api become a 500 ProblemDetails with a trace id and no stack trace; pages get /error.</summary>
public sealed class ApiExceptionHandler(IProblemDetailsService problems, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        if (!context.Request.Path.StartsWithSegments("/api")) return false;
        logger.LogError(exception, "unhandled error in {Method} {Path}", context.Request.Method, context.Request.Path);
        context.Response.StatusCode = StatusCodes.Status500InternalServerError;
        return await problems.TryWriteAsync(new()
        {
            HttpContext = context,
            ProblemDetails = { Title = "The server could not complete the request.", Detail = "The error was logged; quote the trace id when reporting it.", Status = 500 },
        });
    }
}
