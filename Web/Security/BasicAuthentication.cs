using System.Net.Http.Headers;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Web.Api;

namespace Web.Security;

/// <summary><c>Authorization: Basic base64(name:password)</c> against <see cref="Operators"/>, for the REST API (use HTTPS outside localhost).</summary>
public sealed class BasicAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, Operators operators)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Basic";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!AuthenticationHeaderValue.TryParse(Request.Headers.Authorization, out var header) || !string.Equals(header.Scheme, SchemeName, StringComparison.OrdinalIgnoreCase))
            return Task.FromResult(AuthenticateResult.NoResult());
        string decoded;
        try { decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter ?? "")); }
        catch (FormatException) { return Task.FromResult(AuthenticateResult.Fail("malformed Basic credentials")); }
        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0) return Task.FromResult(AuthenticateResult.Fail("malformed Basic credentials"));
        var principal = operators.SignIn(decoded[..colon], decoded[(colon + 1)..], SchemeName);
        return Task.FromResult(principal is null
            ? AuthenticateResult.Fail("unknown operator or wrong password")
            : AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    /// <summary>401 with <c>WWW-Authenticate: Basic</c> and a ProblemDetails saying whether credentials were missing or wrong.</summary>
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        await ApiErrors.WriteAsync(Context, StatusCodes.Status401Unauthorized, result.Failure is { } failure
            ? $"The credentials were not accepted ({failure.Message}); send an operator's Authorization: Basic base64(name:password)."
            : null);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => ApiErrors.WriteAsync(Context, StatusCodes.Status403Forbidden);
}
