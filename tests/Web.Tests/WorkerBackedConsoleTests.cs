using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Durable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Playwright;

namespace Web.Tests;

/// <summary>Runs that a real Durable worker (hosted in the test process, same database) advances, driven through Web.</summary>
[Collection(WebAppCollection.Name)]
public sealed class WorkerBackedConsoleTests(WebAppFixture app) : IAsyncLifetime
{
    const string Queue = "web-test";
    IHost? _worker;

    public async Task InitializeAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(app.DataSource);
        builder.Services.AddDurableWorker(o => { o.TaskQueue = Queue; o.PollInterval = TimeSpan.FromMilliseconds(100); })
            .AddWorkflow<ApprovalWorkflow>().AddActivities<GreetingActivities>();
        _worker = builder.Build();
        await _worker.StartAsync();
    }

    async Task<HttpResponseMessage> PostAsync(string path, object? body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = app.OperatorAuth;
        return await app.Http.SendAsync(request);
    }

    [Fact]
    public async Task A_run_started_and_signalled_through_the_api_completes_shows_its_timeline_and_resets_to_an_earlier_task()
    {
        using (var started = await PostAsync("/api/workflows", new { workflowType = nameof(ApprovalWorkflow), workflowId = "approval-1", taskQueue = Queue, args = new[] { "Ada" } }))
            Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        var handle = app.Durable.GetWorkflowHandle("approval-1");
        await WaitForEventAsync(handle, EventTypes.ActivityCompleted);
        using (var signalled = await PostAsync("/api/workflows/approval-1/signal", new { name = "Approve", args = Array.Empty<object>() }))
            Assert.Equal(HttpStatusCode.OK, signalled.StatusCode);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Assert.Equal("Hello Ada, approved", await handle.GetResultAsync<string>(ct: timeout.Token));

        var detail = await app.Http.GetFromJsonAsync<JsonElement>("/api/workflows/approval-1");
        Assert.Equal("Completed", detail.GetProperty("run").GetProperty("status").GetString());
        Assert.Equal("Hello Ada, approved", detail.GetProperty("result").GetString());

        await using var context = await app.NewContextAsync();
        var page = await Pages.OpenAsync(context, "/workflows/approval-1");
        var events = await page.Locator(".timeline li").EvaluateAllAsync<string[]>("els => els.map(e => e.dataset.event)");
        Assert.Equal(EventTypes.WorkflowStarted, events[0]);
        Assert.Equal(EventTypes.WorkflowCompleted, events[^1]);
        Assert.Contains(EventTypes.SignalReceived, events);
        var activity = page.Locator("li[data-event=ActivityCompleted]");
        Assert.Contains("Greet", await activity.InnerTextAsync());
        Assert.Contains("took", await activity.InnerTextAsync());
        Assert.Contains("Hello Ada, approved", await page.Locator("[data-result]").InnerTextAsync());
        await TestSupport.HeadlessChromium.ScreenshotAsync(page, "workflow-history");

        var firstTask = (await handle.FetchHistoryAsync()).Events.First(e => e.Type == EventTypes.WorkflowTaskCompleted).Seq;
        using var reset = await PostAsync("/api/workflows/approval-1/reset", new { eventSeq = firstTask, reason = "test" });
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        var newRun = (await reset.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetGuid();
        var resetHandle = app.Durable.GetWorkflowHandle("approval-1", newRun);
        await WaitForEventAsync(resetHandle, EventTypes.ActivityCompleted);
        await resetHandle.SignalAsync("Approve", []);
        using var resetTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)); // its own: the browser part above takes a while
        Assert.Equal("Hello Ada, approved", await resetHandle.GetResultAsync<string>(ct: resetTimeout.Token));
    }

    static async Task WaitForEventAsync(WorkflowHandle handle, string type)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline; await Task.Delay(100))
            if ((await handle.FetchHistoryAsync()).Events.Any(e => e.Type == type)) return;
        throw new TimeoutException($"no {type} in the history of {handle.WorkflowId}");
    }

    public async Task DisposeAsync()
    {
        if (_worker is null) return;
        await _worker.StopAsync();
        _worker.Dispose();
    }
}

[Workflow]
public sealed class ApprovalWorkflow
{
    static readonly ActivityOptions Quick = new() { StartToCloseTimeout = TimeSpan.FromSeconds(10) };
    bool _approved;

    [WorkflowRun]
    public async Task<string> RunAsync(string name)
    {
        var greeting = await Workflow.ExecuteActivityAsync((GreetingActivities a) => a.GreetAsync(name), Quick);
        await Workflow.WaitConditionAsync(() => _approved);
        return greeting + ", approved";
    }

    [WorkflowSignal]
    public Task ApproveAsync()
    {
        _approved = true;
        return Task.CompletedTask;
    }
}

public sealed class GreetingActivities
{
    public Task<string> GreetAsync(string name) => Task.FromResult($"Hello {name}");
}
