using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace TemporalServer.Authentication;

/// <summary>
/// The server's one credential, <c>Temporal:ApiKey</c>: when set, every WorkflowService/OperatorService call (gRPC)
/// and every /api/v1 call but the UI's settings must carry <c>Authorization: Bearer &lt;key&gt;</c>, which is what the
/// Temporal SDKs send for their <c>ApiKey</c> option (as for Temporal Cloud). Without a key the server is open, like
/// <c>temporal server start-dev</c>, and then refuses to listen anywhere but on a loopback address.
/// Health endpoints, the UI's static files and its login page stay open: they show no workflow data.
/// </summary>
public static class ApiKeyAuthentication
{
    public const string Scheme = "ApiKey";

    public static WebApplicationBuilder AddTemporalAuthentication(this WebApplicationBuilder builder, IPAddress address)
    {
        var key = Key(builder.Configuration);
        if (key is null && !IPAddress.IsLoopback(address))
            throw new InvalidOperationException(
                $"Temporal:Address {address} is reachable from other machines, but Temporal:ApiKey is not set: set an API key " +
                "(clients send it as 'Authorization: Bearer <key>', the SDK's ApiKey option) or listen on 127.0.0.1");
        builder.Services.AddAuthentication(Scheme).AddScheme<ApiKeyOptions, ApiKeyHandler>(Scheme, options => options.Key = key);
        builder.Services.AddAuthorization();
        return builder;
    }

    public static string? Key(IConfiguration configuration) => configuration["Temporal:ApiKey"] is { Length: > 0 } key ? key : null;

    /// <summary>Requires the API key on <paramref name="endpoints"/> when one is configured.</summary>
    public static TBuilder RequireApiKey<TBuilder>(this TBuilder endpoints, IConfiguration configuration) where TBuilder : IEndpointConventionBuilder =>
        Key(configuration) is null ? endpoints : endpoints.RequireAuthorization();

    /// <summary>Compares in constant time (over hashes, so neither the length nor a prefix of the key leaks).</summary>
    public static bool Matches(string candidate, string key) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(candidate)), SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}

public sealed class ApiKeyOptions : AuthenticationSchemeOptions
{
    public string? Key { get; set; }
}

/// <summary>
/// Authenticates <c>Authorization: Bearer &lt;key&gt;</c>. A refused gRPC call gets the status UNAUTHENTICATED, a refused
/// HTTP API call 401 with grpc-gateway's error body (code 16).
/// </summary>
sealed class ApiKeyHandler(IOptionsMonitor<ApiKeyOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<ApiKeyOptions>(options, logger, encoder)
{
    const string Bearer = "Bearer ";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (Options.Key is null || string.IsNullOrEmpty(header)) return Task.FromResult(AuthenticateResult.NoResult());
        if (!header.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase))
            return Task.FromResult(AuthenticateResult.Fail("the Authorization header is not 'Bearer <API key>'"));
        if (!ApiKeyAuthentication.Matches(header[Bearer.Length..].Trim(), Options.Key))
            return Task.FromResult(AuthenticateResult.Fail("the API key is not this server's"));
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "api-key")], ApiKeyAuthentication.Scheme);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), ApiKeyAuthentication.Scheme)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failure = (await HandleAuthenticateOnceSafeAsync()).Failure?.Message ?? "the request has no 'Authorization: Bearer <API key>' header";
        var message = $"Request unauthenticated: {failure}";
        Response.Headers.WWWAuthenticate = "Bearer";
        if (Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true)
        {
            // A gRPC status (trailers-only response), so clients see UNAUTHENTICATED with the reason.
            Response.StatusCode = StatusCodes.Status200OK;
            Response.ContentType = "application/grpc";
            Response.Headers["grpc-status"] = "16";
            Response.Headers["grpc-message"] = Uri.EscapeDataString(message);
            return;
        }
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        // grpc-gateway's error body, as every other /api/v1 error (code 16: UNAUTHENTICATED).
        await Response.WriteAsJsonAsync(new { code = 16, message, details = Array.Empty<object>() });
    }
}
