using System.Diagnostics;
using System.Net;
using TestSupport;
using Web.Security;

namespace Web.Tests;

[Collection(WebAppCollection.Name)]
public sealed class SecurityTests(WebAppFixture app)
{
    [Fact]
    public void An_operator_password_hash_verifies_only_its_password()
    {
        var hash = OperatorPasswords.Hash("correct horse", 20_000);

        Assert.StartsWith("pbkdf2-sha256$20000$", hash);
        Assert.True(OperatorPasswords.Verify("correct horse", hash));
        Assert.False(OperatorPasswords.Verify("correct hors", hash));
        Assert.False(OperatorPasswords.Verify("correct horse", "pbkdf2-sha256$20000$not-base64$x"));
        Assert.NotEqual(hash, OperatorPasswords.Hash("correct horse", 20_000)); // salted
    }

    [Fact]
    public async Task The_hash_password_command_reads_stdin_and_prints_a_usable_hash()
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(ServiceProcess.RepositoryRoot, "Web", "bin", "Debug", "net10.0", "Web.dll"));
        psi.ArgumentList.Add("hash-password");
        using var process = Process.Start(psi)!;
        await process.StandardInput.WriteLineAsync("s3cret phrase");
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.Equal(0, process.ExitCode);
        Assert.True(OperatorPasswords.Verify("s3cret phrase", output.Trim()));
    }

    [Fact]
    public async Task A_sign_in_post_without_the_antiforgery_token_is_rejected()
    {
        using var response = await app.Http.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = WebAppFixture.OperatorName,
            ["password"] = app.OperatorPassword,
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task The_error_page_is_friendly_and_shows_no_stack_trace()
    {
        var page = await app.Http.GetStringAsync("/error");

        Assert.Contains("Something went wrong", page);
        Assert.DoesNotContain("   at ", page);
    }

    [Fact]
    public async Task In_production_every_page_and_api_requires_sign_in_but_health_stays_open()
    {
        await using var web = await app.StartWebAsync(new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production" });
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = web.Url };

        using var page = await http.GetAsync("/trades");
        using var api = await http.GetAsync("/api/trades/products");
        using var openapi = await http.GetAsync("/openapi/v1.json");
        using var health = await http.GetAsync("/health");
        using var login = await http.GetAsync("/account/login");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/trades/products");
        request.Headers.Authorization = app.ViewerAuth;
        using var signedIn = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith("/account/login", page.Headers.Location!.PathAndQuery);
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, openapi.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
    }
}
