using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;

namespace TemporalServer.Tests.Http;

/// <summary>The /api/v1 HTTP API (grpc-gateway JSON) of the running server, against runs the real SDK started.</summary>
[Collection(TemporalCollection.Name)]
public sealed class HttpApiTests(TemporalEnvironment env) : IDisposable
{
    readonly HttpClient _http = new() { BaseAddress = env.Server.HttpUrl };
    readonly string _queue = "q-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task The_settings_name_the_ui_version_and_the_default_namespace()
    {
        var settings = await _http.GetFromJsonAsync<JsonObject>("/api/v1/settings");

        Assert.Equal("2.38.0", (string?)settings!["Version"]);
        Assert.Equal("default", (string?)settings["DefaultNamespace"]);
        Assert.False((bool)settings["Auth"]!["Enabled"]!);
    }

    [Fact]
    public async Task A_run_is_described_and_its_history_read_as_grpc_gateway_json()
    {
        await using var worker = Worker();
        var handle = await env.Client.StartWorkflowAsync((SleepingWorkflow wf) => wf.RunAsync(TimeSpan.FromHours(1)), new("http-" + Guid.NewGuid().ToString("N"), _queue));
        var runId = handle.ResultRunId!;
        try
        {
            var describe = await _http.GetFromJsonAsync<JsonObject>($"/api/v1/namespaces/default/workflows/{handle.Id}?execution.runId={runId}");
            var info = describe!["workflowExecutionInfo"]!;
            Assert.Equal("WORKFLOW_EXECUTION_STATUS_RUNNING", (string?)info["status"]);
            Assert.Equal(runId, (string?)info["execution"]!["runId"]);
            Assert.Equal(JsonValueKind.String, info["historyLength"]!.GetValueKind());
            Assert.Equal("TASK_QUEUE_KIND_NORMAL", (string?)describe["executionConfig"]!["taskQueue"]!["kind"]);

            // Read once the run has parked on its timer, so that both reads below see the same history.
            JsonArray events = [];
            await WaitForAsync(async () =>
            {
                var history = await _http.GetFromJsonAsync<JsonObject>($"/api/v1/namespaces/default/workflows/{handle.Id}/history?execution.runId={runId}");
                events = history!["history"]!["events"]!.AsArray();
                return events.Any(e => (string?)e!["eventType"] == "EVENT_TYPE_TIMER_STARTED");
            });
            var started = events[0]!;
            Assert.Equal("1", (string?)started["eventId"]);
            Assert.Equal("EVENT_TYPE_WORKFLOW_EXECUTION_STARTED", (string?)started["eventType"]);
            Assert.True(DateTimeOffset.TryParse((string?)started["eventTime"], out _));
            Assert.Equal("SleepingWorkflow", (string?)started["workflowExecutionStartedEventAttributes"]!["workflowType"]!["name"]);
            Assert.Matches("^[0-9.]+s$", (string?)started["workflowExecutionStartedEventAttributes"]!["workflowTaskTimeout"]);
            var input = Convert.FromBase64String((string)started["workflowExecutionStartedEventAttributes"]!["input"]!["payloads"]![0]!["data"]!);
            Assert.Equal("\"01:00:00\"", Encoding.UTF8.GetString(input));

            var raw = await _http.GetFromJsonAsync<JsonArray>($"/api/v1/namespaces/default/workflows/{handle.Id}/run/{runId}/history.json");
            Assert.Equal(events.Select(e => (string?)e!["eventId"]), raw!.Select(e => (string?)e!["eventId"]));

            // The run's page shows the workers polling its task queue (DescribeTaskQueue, workflow type = 1).
            await WaitForAsync(async () => (await _http.GetFromJsonAsync<JsonObject>($"/api/v1/namespaces/default/task-queues/{_queue}?taskQueueType=1"))!["pollers"] is JsonArray { Count: > 0 });
        }
        finally
        {
            await handle.TerminateAsync("test over");
        }
    }

    [Fact]
    public async Task A_workflow_started_and_terminated_over_http_is_seen_so_by_the_sdk()
    {
        await using var worker = Worker();
        var workflowId = "http-start-" + Guid.NewGuid().ToString("N");
        var start = new
        {
            workflowType = new { name = "SleepingWorkflow" },
            taskQueue = new { name = _queue },
            input = new { payloads = new[] { new { metadata = new { encoding = Convert.ToBase64String("json/plain"u8) }, data = Convert.ToBase64String("\"01:00:00\""u8) } } },
            requestId = Guid.NewGuid().ToString(),
        };
        var started = await _http.PostAsJsonAsync($"/api/v1/namespaces/default/workflows/{workflowId}", start);
        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        var runId = (string?)(await started.Content.ReadFromJsonAsync<JsonObject>())!["runId"];
        var handle = env.Client.GetWorkflowHandle(workflowId, runId);
        await WaitForAsync(async () => (await handle.FetchHistoryAsync()).Events.Any(e => e.EventType == EventType.TimerStarted));

        var terminated = await _http.PostAsJsonAsync($"/api/v1/namespaces/default/workflows/{workflowId}/terminate?execution.runId={runId}", new { reason = "Terminated over HTTP" });

        Assert.Equal(HttpStatusCode.OK, terminated.StatusCode);
        var failure = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync());
        Assert.IsType<TerminatedFailureException>(failure.InnerException);
        Assert.Equal("Terminated over HTTP", failure.InnerException!.Message);
    }

    [Fact]
    public async Task A_workflow_id_with_an_encoded_slash_stays_one_path_segment()
    {
        await using var worker = Worker();
        var workflowId = $"orders/{Guid.NewGuid():N}";
        var handle = await env.Client.StartWorkflowAsync((SleepingWorkflow wf) => wf.RunAsync(TimeSpan.FromMilliseconds(1)), new(workflowId, _queue));
        await handle.GetResultAsync();

        var describe = await _http.GetFromJsonAsync<JsonObject>($"/api/v1/namespaces/default/workflows/{Uri.EscapeDataString(workflowId)}");

        Assert.Equal(workflowId, (string?)describe!["workflowExecutionInfo"]!["execution"]!["workflowId"]);
        Assert.Equal("WORKFLOW_EXECUTION_STATUS_COMPLETED", (string?)describe["workflowExecutionInfo"]!["status"]);
    }

    [Theory]
    [InlineData("GET", "/api/v1/namespaces/default/workflows/no-such-workflow", null, HttpStatusCode.NotFound, 5, "workflow execution not found")]
    [InlineData("GET", "/api/v1/namespaces/default/workflows?query=Nonsense%3D1", null, HttpStatusCode.BadRequest, 3, "invalid search attribute: Nonsense")]
    [InlineData("GET", "/api/v1/namespaces/default/workflows?pageSize=many", null, HttpStatusCode.BadRequest, 3, "invalid value 'many' for page_size")]
    [InlineData("POST", "/api/v1/namespaces/default/workflows/x/terminate", "{not json", HttpStatusCode.BadRequest, 3, "the request body is not valid JSON")]
    [InlineData("GET", "/api/v1/no/such/route", null, HttpStatusCode.NotFound, 5, "no HTTP API route matches GET /api/v1/no/such/route")]
    [InlineData("DELETE", "/api/v1/namespaces/default/workflows", null, HttpStatusCode.NotImplemented, 12, "method DELETE is not allowed")]
    public async Task An_error_carries_the_grpc_code_and_the_http_status_grpc_gateway_uses(string method, string path, string? body, HttpStatusCode status, int code, string message)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");

        using var response = await _http.SendAsync(request);

        Assert.Equal(status, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal(code, (int)error!["code"]!);
        Assert.Contains(message, (string?)error["message"]);
    }

    RunningWorker Worker() => new(env.Client, new TemporalWorkerOptions(_queue).AddWorkflow<SleepingWorkflow>());

    static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 100; i++)
        {
            if (await condition()) return;
            await Task.Delay(100);
        }
        Assert.Fail("condition not met within 10 s");
    }

    public void Dispose() => _http.Dispose();
}
