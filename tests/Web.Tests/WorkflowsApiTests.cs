using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Durable;

namespace Web.Tests;

[Collection(WebAppCollection.Name)]
public sealed class WorkflowsApiTests(WebAppFixture app)
{
    async Task<HttpResponseMessage> PostAsync(string path, object? body, System.Net.Http.Headers.AuthenticationHeaderValue? auth)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = auth;
        return await app.Http.SendAsync(request);
    }

    // No body, so the answer is about credentials, not about the content type the endpoint accepts.
    async Task<HttpResponseMessage> PostEmptyAsync(string path, System.Net.Http.Headers.AuthenticationHeaderValue? auth)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Authorization = auth;
        return await app.Http.SendAsync(request);
    }

    [Fact]
    public async Task Runs_are_listed_with_filters_total_and_paging()
    {
        var page = await app.Http.GetFromJsonAsync<JsonElement>("/api/workflows?idPrefix=listed-&pageSize=1");
        var next = await app.Http.GetFromJsonAsync<JsonElement>($"/api/workflows?idPrefix=listed-&pageSize=1&pageToken={page.GetProperty("nextPageToken").GetString()}");

        Assert.Equal(2, page.GetProperty("total").GetInt64());
        Assert.Equal("listed-2", page.GetProperty("runs")[0].GetProperty("workflowId").GetString());
        Assert.Equal("listed-1", next.GetProperty("runs")[0].GetProperty("workflowId").GetString());
        Assert.Equal(JsonValueKind.Null, next.GetProperty("nextPageToken").ValueKind);
    }

    [Fact]
    public async Task A_run_is_described_with_its_input_and_its_history_downloads_as_json()
    {
        var detail = await app.Http.GetFromJsonAsync<JsonElement>("/api/workflows/listed-1");
        using var history = await app.Http.GetAsync("/api/workflows/listed-1/history");
        var json = await history.Content.ReadAsStringAsync();

        Assert.Equal("SeededWorkflow", detail.GetProperty("run").GetProperty("workflowType").GetString());
        Assert.Equal("Running", detail.GetProperty("run").GetProperty("status").GetString());
        Assert.Contains("2023-01-01", detail.GetProperty("input").GetRawText());
        Assert.Equal("attachment", history.Content.Headers.ContentDisposition?.DispositionType);
        var parsed = WorkflowHistory.FromJson(json);
        Assert.Equal("listed-1", parsed.WorkflowId);
        Assert.Equal(EventTypes.WorkflowStarted, parsed.Events[0].Type);
    }

    [Fact]
    public async Task An_unknown_workflow_is_a_404_problem()
    {
        using var response = await app.Http.GetAsync("/api/workflows/no-such-workflow");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/api/workflows/api-terminate/terminate")]
    [InlineData("/api/workflows/api-cancel/cancel")]
    [InlineData("/api/workflows/api-terminate/retry")]
    [InlineData("/api/schedules/any/pause")]
    [InlineData("/api/trades/imports")]
    public async Task Mutations_without_credentials_are_401_and_for_a_viewer_403(string path)
    {
        using var anonymous = await PostEmptyAsync(path, null);
        using var wrongPassword = await PostEmptyAsync(path, WebAppFixture.Basic(WebAppFixture.OperatorName, "wrong"));
        using var viewer = await PostEmptyAsync(path, app.ViewerAuth);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains("Basic", anonymous.Headers.WwwAuthenticate.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, wrongPassword.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, viewer.StatusCode);
    }

    [Fact]
    public async Task An_operator_terminates_then_retries_a_run()
    {
        using var terminated = await PostAsync("/api/workflows/api-terminate/terminate", new { reason = "test says so" }, app.OperatorAuth);
        Assert.Equal(HttpStatusCode.OK, terminated.StatusCode);
        var after = await app.Durable.GetWorkflowHandle("api-terminate").DescribeAsync();
        Assert.Equal(WorkflowStatus.Terminated, after.Status);

        using var again = await PostAsync("/api/workflows/api-terminate/terminate", null, app.OperatorAuth);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);

        using var retried = await PostAsync("/api/workflows/api-terminate/retry", null, app.OperatorAuth);
        var newRun = (await retried.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetGuid();
        Assert.NotEqual(after.RunId, newRun);
        Assert.Equal(WorkflowStatus.Running, (await app.Durable.GetWorkflowHandle("api-terminate", newRun).DescribeAsync()).Status);
    }

    [Fact]
    public async Task An_operator_starts_a_workflow_by_type_and_a_start_without_a_queue_is_a_400_naming_it()
    {
        using var started = await PostAsync("/api/workflows", new { workflowType = "ApiStarted", workflowId = "api-started", taskQueue = "seeded-queue", args = new object[] { "2023-01-01" } }, app.OperatorAuth);
        using var invalid = await PostAsync("/api/workflows", new { workflowType = "ApiStarted", workflowId = "api-started-2", taskQueue = "" }, app.OperatorAuth);
        using var anonymous = await PostAsync("/api/workflows", new { workflowType = "ApiStarted", workflowId = "x", taskQueue = "q" }, null);

        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        var description = await app.Durable.GetWorkflowHandle("api-started").DescribeAsync();
        Assert.Equal(("ApiStarted", WorkflowStatus.Running), (description.WorkflowType, description.Status));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Contains("taskQueue", (await invalid.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateObject().Select(p => p.Name));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task An_operator_cancels_and_signals_runs_and_the_history_records_it()
    {
        using var cancelled = await PostAsync("/api/workflows/api-cancel/cancel", null, app.OperatorAuth);
        using var signalled = await PostAsync("/api/workflows/api-signal/signal", new { name = "approve", args = new object[] { 42 } }, app.OperatorAuth);

        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal(HttpStatusCode.OK, signalled.StatusCode);
        Assert.Contains((await app.Durable.GetWorkflowHandle("api-cancel").FetchHistoryAsync()).Events, e => e.Type == EventTypes.CancelRequested);
        var signal = Assert.Single((await app.Durable.GetWorkflowHandle("api-signal").FetchHistoryAsync()).Events, e => e.Type == EventTypes.SignalReceived);
        Assert.Equal("approve", signal.Attributes.Name);
    }

    [Fact]
    public async Task The_replay_check_says_when_a_workflow_type_is_not_deployed_here()
    {
        var check = await app.Http.GetFromJsonAsync<JsonElement>("/api/workflows/listed-2/replay");

        Assert.False(check.GetProperty("succeeded").GetBoolean());
        Assert.Contains("SeededWorkflow is not among the workflows deployed", check.GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task Schedules_are_listed_and_an_operator_pauses_and_triggers_one()
    {
        await app.Durable.CreateScheduleAsync<ScheduledNothing>("nightly-test", w => w.RunAsync(), new ScheduleOptions("0 2 * * *", "seeded-queue"));

        using var paused = await PostAsync("/api/schedules/nightly-test/pause", null, app.OperatorAuth);
        using var triggered = await PostAsync("/api/schedules/nightly-test/trigger", null, app.OperatorAuth);
        var list = await app.Http.GetFromJsonAsync<JsonElement>("/api/schedules");

        Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, triggered.StatusCode);
        var row = list.EnumerateArray().Single(s => s.GetProperty("scheduleId").GetString() == "nightly-test");
        Assert.True(row.GetProperty("paused").GetBoolean());
        Assert.Equal(1, row.GetProperty("firedCount").GetInt32());
        Assert.StartsWith("nightly-test-", row.GetProperty("lastWorkflowId").GetString());
    }
}

[Workflow]
public sealed class ScheduledNothing
{
    [WorkflowRun]
    public Task RunAsync() => Task.CompletedTask;
}
