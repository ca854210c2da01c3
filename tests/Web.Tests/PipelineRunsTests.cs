using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ServiceDefaults.Temporal;
using Temporalio.Client;
using Workflows.Trades;

namespace Web.Tests;

/// <summary>Web's only workflow surface: recent runs from Temporal with links into the Temporal UI and traces, and backfills started through the Temporal client.</summary>
[Collection(WebAppCollection.Name)]
public sealed class PipelineRunsTests(WebAppFixture app)
{
    [Fact]
    public async Task The_home_page_lists_recent_runs_from_Temporal_with_links_into_the_Temporal_UI_and_the_trace_they_were_started_under()
    {
        var clientSpans = TemporalTracing.ClientSource.Name; // read before the listener exists: it is consulted while sources are created
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == clientSpans,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        var traced = await TemporalClient.ConnectAsync(new(app.TemporalTarget) { Interceptors = [new TemporalTracing()] });
        var id = "traced-" + Guid.NewGuid().ToString("N")[..8];
        var handle = await traced.StartWorkflowAsync("SeededWorkflow", [new { day = "2023-01-01", area = "FR" }], new WorkflowOptions(id, "seeded-queue"));
        var started = (await handle.FetchHistoryAsync()).Events.First().WorkflowExecutionStartedEventAttributes;
        var traceId = TemporalTracing.TraceContext(started.Header.Fields).TraceId.ToHexString();
        var listed = await app.Temporal.GetWorkflowHandle("listed-1").DescribeAsync();

        var html = await app.Http.GetStringAsync("/");

        Assert.True(default(ActivityTraceId).ToHexString() != traceId, $"no trace context in the start header: {started.Header}");
        Assert.Contains($"href=\"http://temporal-ui.test/namespaces/default/workflows/listed-1/{listed.RunId}/history\" data-temporal-ui>listed-1</a>", html);
        Assert.Contains($"href=\"http://dashboard.test/traces/detail/{traceId}\" data-trace>trace</a>", html);
        await handle.TerminateAsync("test done");
    }

    [Fact]
    public async Task An_operator_starts_a_backfill_through_Temporal_and_the_same_range_is_refused_while_it_runs()
    {
        using var start = new HttpRequestMessage(HttpMethod.Post, "/api/pipeline/backfills") { Content = JsonContent.Create(new { firstDay = "2023-02-01", lastDay = "2023-02-03" }) };
        start.Headers.Authorization = app.OperatorAuth;
        using var response = await app.Http.SendAsync(start);
        var started = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(TradePipelineWorkflow.BackfillId(new(2023, 2, 1), new(2023, 2, 3)), started.GetProperty("workflowId").GetString());
        var run = await app.Temporal.GetWorkflowHandle(started.GetProperty("workflowId").GetString()!).DescribeAsync();
        Assert.Equal((nameof(TradePipelineWorkflow), TradePipelineWorkflow.TaskQueue, started.GetProperty("runId").GetString()), (run.WorkflowType, run.TaskQueue, run.RunId));

        using var again = new HttpRequestMessage(HttpMethod.Post, "/api/pipeline/backfills") { Content = JsonContent.Create(new { firstDay = "2023-02-01", lastDay = "2023-02-03" }) };
        again.Headers.Authorization = app.OperatorAuth;
        using var conflict = await app.Http.SendAsync(again);
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        await app.Temporal.GetWorkflowHandle(run.Id).TerminateAsync("test done: no worker serves the pipeline queue here");
    }

    [Theory]
    [InlineData("{\"firstDay\":\"2023-02-03\",\"lastDay\":\"2023-02-01\"}", "lastDay", "on or after firstDay")]
    [InlineData("{\"firstDay\":\"01.02.2023\",\"lastDay\":\"2023-02-01\"}", "firstDay", "yyyy-MM-dd")]
    [InlineData("{\"lastDay\":\"2023-02-01\"}", "firstDay", "is required")]
    public async Task A_bad_backfill_request_answers_400_naming_the_field(string body, string field, string expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/pipeline/backfills") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = app.OperatorAuth;
        using var response = await app.Http.SendAsync(request);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, problem.GetProperty("errors").GetProperty(field)[0].GetString());
    }

    [Fact]
    public async Task A_viewer_cannot_start_a_backfill()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/pipeline/backfills") { Content = JsonContent.Create(new { firstDay = "2023-02-01", lastDay = "2023-02-01" }) };
        request.Headers.Authorization = app.ViewerAuth;
        using var response = await app.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}
