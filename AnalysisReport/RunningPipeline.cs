using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Temporalio.Client;
using Web.Api;
using Web.Security;

namespace AnalysisReport;

/// <summary>
/// The whole graph (the real AppHost under Aspire.Hosting.Testing: PostgreSQL, Kafka, the lake, Temporal, Feeds,
/// Workers, Web) on free ports with a private data directory, and the ways the report talks to it: Web's REST API as
/// an operator, PostgreSQL and the Temporal frontend.
/// </summary>
sealed class RunningPipeline : IAsyncDisposable
{
    const string Operator = "report";
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(5);

    readonly DirectoryInfo _data;
    readonly DistributedApplication _app;
    readonly Stopwatch _clock;

    /// <summary>The Energy-Charts stand-in's revision (Feeds' <c>EnergyCharts:Revision</c>), read again when Feeds restarts.</summary>
    int _energyChartsRevision = 1;

    RunningPipeline(DirectoryInfo data, DistributedApplication app, HttpClient web, string postgres, ITemporalClient temporal, Stopwatch clock)
    {
        _data = data;
        _app = app;
        Web = web;
        Postgres = postgres;
        Temporal = temporal;
        _clock = clock;
    }

    /// <summary>Web's REST API, signed in as an operator (reading needs none in Development; imports and runs do).</summary>
    public HttpClient Web { get; }

    /// <summary>Connection string of the <c>pipeline</c> database.</summary>
    public string Postgres { get; }

    public ITemporalClient Temporal { get; }

    public static async Task<RunningPipeline> StartAsync()
    {
        var clock = Stopwatch.StartNew();
        var data = Directory.CreateTempSubdirectory("analysis-report.");
        if (!OperatingSystem.IsWindows()) data.UnixFileMode |= UnixFileMode.GroupExecute | UnixFileMode.OtherExecute; // the postgres user traverses it when run as root
        var password = "report-" + Guid.NewGuid().ToString("N");
        string[] arguments =
        [
            $"--DataDirectory={data.FullName}",
            // The feed's own generated day is kept out of the way: a little FR trading on another delivery day.
            "--TradeFeed:Port=0",
            "--TradeFeed:Day=2022-12-01",
            "--TradeFeed:Intensity=0.02",
            $"--Operators:{Operator}:PasswordHash={OperatorPasswords.Hash(password, 20_000)}",
        ];
        using var timeout = new CancellationTokenSource(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(arguments, timeout.Token);
        // The report prints its own progress: the resources' consoles (./run.sh's dashboard shows them), the health
        // checks failing while resources start and the orchestrator's chatter stay out; other warnings still show.
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning)
            .AddFilter("AppHost.Resources", LogLevel.None)
            .AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None)
            .AddFilter("System.Net.Http.HttpClient", LogLevel.Warning)
            .AddFilter("Aspire.Hosting.Dcp", LogLevel.Error));
        var pipeline = default(RunningPipeline);
        // Only what the report feeds: no live meter producer, no scheduled meter or Energy-Charts runs (the report starts them).
        builder.CreateResourceBuilder<ProjectResource>("feeds")
            .WithEnvironment("Meters__Feed__Enabled", "false")
            .WithEnvironment(context => context.EnvironmentVariables["EnergyCharts__Revision"] = (pipeline?._energyChartsRevision ?? 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.CreateResourceBuilder<ProjectResource>("workers")
            .WithEnvironment("Meters__Schedule__Enabled", "false")
            .WithEnvironment("Grid__Schedules__Enabled", "false");
        var app = await builder.BuildAsync(timeout.Token);
        try
        {
            await app.StartAsync(timeout.Token);
            foreach (var resource in new[] { "postgres", "temporal", "feeds", "workers", "web" })
                await app.ResourceNotifications.WaitForResourceHealthyAsync(resource, timeout.Token);
            var web = app.CreateHttpClient("web");
            web.Timeout = TimeSpan.FromMinutes(5);
            web.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Operator}:{password}")));
            var postgres = (await app.GetConnectionStringAsync("postgres", timeout.Token))!;
            var grpc = app.GetEndpoint("temporal", "grpc");
            var temporal = await TemporalClient.ConnectAsync(new TemporalClientConnectOptions($"{grpc.Host}:{grpc.Port}") { Namespace = "default" });
            pipeline = new RunningPipeline(data, app, web, postgres, temporal, clock);
            pipeline.Log("the graph is healthy");
            return pipeline;
        }
        catch
        {
            await app.DisposeAsync();
            data.Delete(recursive: true);
            throw;
        }
    }

    /// <summary>One progress line on stderr, with the time since the start.</summary>
    public void Log(string message) => Console.Error.WriteLine($"[{_clock.Elapsed:mm\\:ss}] {message}");

    /// <summary>GETs and reads the JSON answer; anything but a success stops the report with the problem Web sent.</summary>
    public async Task<T> GetAsync<T>(string path)
    {
        using var response = await Web.GetAsync(path);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<T>(Json) ?? throw new InvalidOperationException($"GET {path}: empty answer");
    }

    /// <summary>Every item of a paged list (<c>{items, total, offset, limit}</c>), page by page (<paramref name="pageSize"/>: the endpoint's largest limit).</summary>
    public async Task<List<T>> AllAsync<T>(string path, int pageSize = PageRequest.MaxLimit)
    {
        var items = new List<T>();
        var separator = path.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        while (true)
        {
            var page = await GetAsync<Page<T>>($"{path}{separator}offset={items.Count}&limit={pageSize}");
            items.AddRange(page.Items);
            if (page.Items.Count == 0 || items.Count >= page.Total) return items;
        }
    }

    /// <summary>POSTs <paramref name="content"/> and returns the answer; anything but a success stops the report with the problem Web sent.</summary>
    public async Task<T> PostAsync<T>(string path, HttpContent content)
    {
        using var response = await Web.PostAsync(path, content);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<T>(Json))!;
    }

    public Task<T> PostJsonAsync<T>(string path, object body) => PostAsync<T>(path, JsonContent.Create(body, options: Json));

    /// <summary>Reads until <paramref name="done"/> holds; a timeout stops the report naming what it waited for.</summary>
    public static async Task<T> EventuallyAsync<T>(string what, Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        for (var value = await read(); ; value = await read())
        {
            if (done(value)) return value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{what}: not done after {timeout.TotalSeconds:N0} s (last seen: {value})");
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>
    /// Restarts Feeds serving the Energy-Charts days as revised two weeks later (<c>EnergyCharts:Revision=2</c>): Aspire
    /// evaluates a resource's environment again when it restarts, so the pipeline meets the real revision as it would in
    /// production, on its next fetch of those days.
    /// </summary>
    public async Task ServeEnergyChartsRevisionAsync()
    {
        _energyChartsRevision = 2;
        var feeds = _app.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == "feeds");
        var commands = _app.Services.GetRequiredService<ResourceCommandService>();
        using var timeout = new CancellationTokenSource(StartTimeout);
        // Stop and start rather than restart: the stop command gives up while Feeds still closes its WebSocket clients
        // (up to 5 s) behind `dotnet run`; waiting for the exit here has no such deadline.
        var stop = await commands.ExecuteCommandAsync(feeds, KnownResourceCommands.StopCommand, timeout.Token);
        await _app.ResourceNotifications.WaitForResourceAsync("feeds", [KnownResourceStates.Exited, KnownResourceStates.Finished], timeout.Token);
        Log($"feeds stopped{(stop.Success ? "" : $" (the stop command reported: {stop.Message})")}");
        var start = await commands.ExecuteCommandAsync(feeds, KnownResourceCommands.StartCommand, timeout.Token);
        if (!start.Success) throw new InvalidOperationException($"starting feeds again: {start.Message}");
        await _app.ResourceNotifications.WaitForResourceHealthyAsync("feeds", timeout.Token);
        Log("feeds started again, serving Energy-Charts revision 2");
    }

    /// <summary>Web's <c>Paged&lt;T&gt;</c> as it reads (that record has two constructors, which System.Text.Json does not choose between).</summary>
    public sealed record Page<T>(IReadOnlyList<T> Items, long Total);

    public async ValueTask DisposeAsync()
    {
        Web.Dispose();
        await _app.DisposeAsync();
        _data.Delete(recursive: true);
        Log("the graph is stopped");
    }
}
