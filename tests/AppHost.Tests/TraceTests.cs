using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using TestSupport;
using Web.Security;

namespace AppHost.Tests;

/// <summary>
/// One workflow run started through Web, executed by Workers, observed through the AppHost's own OTLP receiver: the
/// run's trace crosses both services and their PostgreSQL calls, and the trace page in Chromium shows all three.
/// </summary>
[Collection("apphost")]
public sealed class TraceTests : IAsyncDisposable
{
    const string Operator = "ops";
    readonly string _password = "op-" + Guid.NewGuid().ToString("N");
    readonly string _data = AppHostTests.DataDirectory();
    readonly HeadlessChromium _chromium = new();

    [Fact]
    public async Task A_run_started_in_web_has_one_trace_with_spans_from_web_workers_and_postgresql()
    {
        var (host, state) = await AppHostProcess.StartAsync(_data, $"--Operators:{Operator}:PasswordHash={OperatorPasswords.Hash(_password, 20_000)}");
        await using var _ = host;
        using var http = new HttpClient { BaseAddress = new Uri(state["web"].Url!), Timeout = TimeSpan.FromSeconds(30) };

        // Backfill the feed's day once some of it is stored, so the run has partitions and every step does work.
        var stored = await AppHostTests.EventuallyAsync(() => AppHostTests.CountAsync(state["postgres"].ConnectionString!, "SELECT count(*) FROM pipeline.trades"), n => n > 0, TimeSpan.FromSeconds(60));
        Assert.True(stored > 0, $"no trade reached PostgreSQL\n{host.Output}");
        var id = "traced-" + Guid.NewGuid().ToString("N")[..8];
        using (var start = new HttpRequestMessage(HttpMethod.Post, "/api/workflows")
        {
            Content = JsonContent.Create(new { workflowType = "TradePipelineWorkflow", workflowId = id, taskQueue = "pipeline", args = new[] { new { mode = "Backfill", firstDay = "2023-01-01", lastDay = "2023-01-01" } } }),
        })
        {
            start.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Operator}:{_password}")));
            using var started = await http.SendAsync(start);
            Assert.True(started.StatusCode == HttpStatusCode.Created, $"{started.StatusCode}: {await started.Content.ReadAsStringAsync()}");
        }
        var run = await AppHostTests.EventuallyAsync(() => http.GetFromJsonAsync<JsonElement>($"/api/workflows/{id}"),
            d => d.GetProperty("run").GetProperty("status").GetString() is "Completed" or "Failed", TimeSpan.FromSeconds(90));
        Assert.True(run.GetProperty("run").GetProperty("status").GetString() == "Completed", $"{run}\n{host.Output}");
        var traceId = run.GetProperty("traceParent").GetString()!.Split('-')[1];

        // Exporters send in batches (every 5 s by default): wait until both services' spans of this trace are stored.
        var trace = await AppHostTests.EventuallyAsync(() => TraceAsync(http, traceId), IsComplete, TimeSpan.FromSeconds(45));
        Assert.True(IsComplete(trace), $"trace {traceId}: {trace}");

        await using var context = await _chromium.NewContextAsync(http.BaseAddress!);
        var page = await context.NewPageAsync();
        await page.GotoAsync($"/workflows/{id}");
        await page.Locator("[data-trace-link]").ClickAsync();
        await page.WaitForURLAsync($"**/telemetry/traces/{traceId}**");
        var services = await page.Locator("[data-trace-services]").InnerTextAsync();
        Assert.Contains("web", services.Split(", "));
        Assert.Contains("workers", services.Split(", "));
        Assert.StartsWith("postgresql (", await page.Locator("[data-trace-databases]").InnerTextAsync());
        Assert.True(await page.Locator("tr[data-service=web][data-database=postgresql]").CountAsync() > 0);
        Assert.True(await page.Locator("tr[data-service=workers][data-database=postgresql]").CountAsync() > 0);
        // The workers' activity spans sit under the run the web request started, not in a trace of their own.
        var workerSpans = await page.Locator("tr[data-service=workers] .span-name").AllInnerTextsAsync();
        Assert.All(Steps, step => Assert.Equal(1, workerSpans.Count(n => n == step)));
        await HeadlessChromium.ScreenshotAsync(page, "trace");

        // The AppHost probed every service's /health all along, but probes are not recorded: they would bury traces like this one.
        var connection = state["postgres"].ConnectionString!;
        Assert.True(await AppHostTests.CountAsync(connection, "SELECT count(*) FROM telemetry.spans WHERE kind = 2") > 0);
        Assert.Equal(0, await AppHostTests.CountAsync(connection, "SELECT count(*) FROM telemetry.spans WHERE attributes->>'url.path' IN ('/health', '/alive')"));
        Assert.Equal(0, await host.StopAsync());
    }

    static async Task<JsonElement> TraceAsync(HttpClient http, string traceId)
    {
        using var response = await http.GetAsync($"/api/telemetry/traces/{traceId}");
        return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : default;
    }

    static readonly string[] Steps = ["RunActivity:SealWindow", "RunActivity:Aggregate", "RunActivity:Detect", "RunActivity:Export"];

    /// <summary>Whether the stored trace has every step's span and PostgreSQL client spans from both services.</summary>
    static bool IsComplete(JsonElement trace)
    {
        if (trace.ValueKind != JsonValueKind.Object) return false;
        var spans = trace.GetProperty("spans").EnumerateArray().Select(s => s.GetProperty("span")).ToList();
        bool CalledPostgres(string service) => spans.Any(s => s.GetProperty("serviceName").GetString() == service &&
            s.GetProperty("attributes").EnumerateObject().Any(a => a.Name is "db.system" or "db.system.name" && a.Value.GetString() == "postgresql"));
        return CalledPostgres("web") && CalledPostgres("workers") && Steps.All(step => spans.Any(s => s.GetProperty("name").GetString() == step));
    }

    public async ValueTask DisposeAsync()
    {
        await _chromium.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }
}
