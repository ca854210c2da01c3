using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;
using TestSupport;

namespace TemporalServer.Tests.Authentication;

/// <summary>A server with <c>Temporal:ApiKey</c> set, listening on every address (which it only may with a key).</summary>
public sealed class KeyedServer : IAsyncLifetime
{
    public const string Key = "test-api-key-0123456789";

    public PostgresFixture Postgres { get; } = new();
    public TemporalServerFixture Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Postgres.InitializeAsync();
        Server = await TemporalServerFixture.StartAsync(await Postgres.CreateDatabaseAsync("keyed"),
            new Dictionary<string, string> { ["Temporal__ApiKey"] = Key, ["Temporal__Address"] = "0.0.0.0" });
    }

    /// <summary>The SDK with an API key turns TLS on unless told otherwise; this server speaks plain h2c.</summary>
    public Task<TemporalClient> ConnectAsync(string? apiKey) =>
        TemporalClient.ConnectAsync(new TemporalClientConnectOptions(Server.Target) { Namespace = "default", ApiKey = apiKey, Tls = new TlsOptions { Disabled = true } });

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Postgres.DisposeAsync();
    }
}

[Collection(TemporalCollection.Name)]
public sealed class ApiKeyTests(KeyedServer keyed, TemporalEnvironment env) : IClassFixture<KeyedServer>, IDisposable
{
    readonly HttpClient _http = new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = keyed.Server.HttpUrl };

    [Fact]
    public async Task The_sdk_is_unauthenticated_without_the_key_or_with_another_and_runs_workflows_with_it()
    {
        foreach (var wrong in new[] { null, "not-the-key" })
        {
            // Connecting asks the server at once (GetSystemInfo).
            var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => keyed.ConnectAsync(wrong));
            Assert.Contains("code: Unauthenticated, message: \"Request unauthenticated", refused.Message);
        }
        var client = await keyed.ConnectAsync(KeyedServer.Key);
        // Every call is checked: a connection whose key is changed to a wrong one is refused from then on.
        var other = await keyed.ConnectAsync(KeyedServer.Key);
        other.Connection.ApiKey = "not-the-key";
        var error = await Assert.ThrowsAsync<RpcException>(() => other.GetWorkflowHandle("any").DescribeAsync());
        Assert.Equal(RpcException.StatusCode.Unauthenticated, error.Code);
        Assert.Equal("Request unauthenticated: the API key is not this server's", error.Message);

        var queue = "q-" + Guid.NewGuid().ToString("N");
        await using var worker = new RunningWorker(client, new TemporalWorkerOptions(queue).AddWorkflow<SleepingWorkflow>());
        Assert.Equal("woke", await client.ExecuteWorkflowAsync((SleepingWorkflow wf) => wf.RunAsync(TimeSpan.Zero), new("k-" + Guid.NewGuid().ToString("N"), queue)));
    }

    [Fact]
    public async Task The_http_api_answers_401_without_the_key_and_only_the_settings_and_health_stay_open()
    {
        var settings = await _http.GetFromJsonAsync<JsonObject>("/api/v1/settings");
        Assert.True((bool)settings!["Auth"]!["Enabled"]!);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("/health")).StatusCode);

        // No header, another key, and the right key without the Bearer scheme.
        foreach (var authorization in new[] { null, "Bearer not-the-key", KeyedServer.Key })
        {
            using var list = Request(HttpMethod.Get, "/api/v1/namespaces", authorization);
            using var terminate = Request(HttpMethod.Post, "/api/v1/namespaces/default/workflows/any/terminate", authorization);
            terminate.Content = JsonContent.Create(new { reason = "no" });
            foreach (var request in new[] { list, terminate })
            {
                var response = await _http.SendAsync(request);
                Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
                var body = await response.Content.ReadFromJsonAsync<JsonObject>();
                Assert.Equal(16, (int)body!["code"]!);
                Assert.StartsWith("Request unauthenticated", (string?)body["message"]);
            }
        }

        using var authorized = Request(HttpMethod.Get, "/api/v1/namespaces", $"Bearer {KeyedServer.Key}");
        var namespaces = await (await _http.SendAsync(authorized)).Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal("default", (string?)namespaces!["namespaces"]![0]!["namespaceInfo"]!["name"]);
    }

    [Fact]
    public async Task The_ui_login_hands_the_right_key_to_the_ui_in_its_user_cookie_and_returns_only_to_this_server()
    {
        var page = $"{keyed.Server.HttpUrl}namespaces/default/workflows?query=x";
        var form = await _http.GetStringAsync($"/auth/sso?returnUrl={Uri.EscapeDataString(page)}");
        Assert.Contains("name=\"apiKey\"", form);
        var again = await _http.GetAsync($"/login?returnUrl={Uri.EscapeDataString(page)}");
        Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
        Assert.StartsWith("/auth/sso?returnUrl=", again.Headers.Location!.OriginalString);

        var refused = await LoginAsync("not-the-key", page);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.False(refused.Headers.Contains("Set-Cookie"));

        var accepted = await LoginAsync(KeyedServer.Key, page);
        Assert.Equal(HttpStatusCode.Redirect, accepted.StatusCode);
        Assert.Equal("/namespaces/default/workflows?query=x", accepted.Headers.Location!.OriginalString);
        var cookie = Assert.Single(accepted.Headers.GetValues("Set-Cookie"), c => c.StartsWith("user0=", StringComparison.Ordinal));
        var value = cookie["user0=".Length..cookie.IndexOf(';')];
        var user = JsonNode.Parse(Convert.FromBase64String(value.PadRight((value.Length + 3) / 4 * 4, '=')))!;
        Assert.Equal(KeyedServer.Key, (string?)user["AccessToken"]);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);

        var elsewhere = await LoginAsync(KeyedServer.Key, "https://elsewhere.example/steal");
        Assert.Equal("/", elsewhere.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task The_web_ui_sends_a_visitor_to_sign_in_and_with_the_key_lists_the_workflows()
    {
        var client = await keyed.ConnectAsync(KeyedServer.Key);
        var id = "ui-keyed-" + Guid.NewGuid().ToString("N");
        var handle = await client.StartWorkflowAsync((SleepingWorkflow wf) => wf.RunAsync(TimeSpan.FromHours(1)), new(id, "nobody-polls"));
        Assertions.SetDefaultExpectTimeout(20_000);
        await using var chromium = new HeadlessChromium();
        var page = await (await chromium.NewContextAsync(keyed.Server.HttpUrl)).NewPageAsync();

        await page.GotoAsync("/namespaces/default/workflows");
        var key = page.GetByLabel("API key");
        await Assertions.Expect(key).ToBeVisibleAsync();
        Assert.Contains("/auth/sso?returnUrl=", page.Url);
        await key.FillAsync("not-the-key");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByText("That is not this server's API key.")).ToBeVisibleAsync();

        await page.GetByLabel("API key").FillAsync(KeyedServer.Key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByText(id).First).ToBeVisibleAsync();
        Assert.EndsWith("/namespaces/default/workflows", new Uri(page.Url).AbsolutePath);
        await HeadlessChromium.ScreenshotAsync(page, "temporal-ui-signed-in");
        await handle.TerminateAsync("test over");
    }

    [Fact]
    public async Task Without_a_key_the_server_refuses_to_listen_beyond_loopback()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await using var open = await TemporalServerFixture.StartAsync(await env.Postgres.CreateDatabaseAsync("open"),
                new Dictionary<string, string> { ["Temporal__Address"] = "0.0.0.0" });
        });
        Assert.Contains("Temporal:Address 0.0.0.0 is reachable from other machines, but Temporal:ApiKey is not set", error.Message);
    }

    Task<HttpResponseMessage> LoginAsync(string key, string returnUrl) =>
        _http.PostAsync("/auth/sso", new FormUrlEncodedContent(new Dictionary<string, string> { ["apiKey"] = key, ["returnUrl"] = returnUrl }));

    static HttpRequestMessage Request(HttpMethod method, string path, string? authorization)
    {
        var request = new HttpRequestMessage(method, path);
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return request;
    }

    public void Dispose() => _http.Dispose();
}
