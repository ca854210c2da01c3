using System.Diagnostics;
using Durable.TestWorker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using TestSupport;
using static Durable.Tests.DurableEnvironment;

namespace Durable.Tests;

[CollectionDefinition("durable-outage")]
public sealed class DurableOutageCollection : ICollectionFixture<PostgresFixture>;

[Collection("durable-outage")]
public sealed class OutageTests(PostgresFixture postgres)
{
    [Fact]
    public async Task A_storage_outage_degrades_worker_health_and_loses_no_work()
    {
        await using var env = await CreateAsync(postgres);
        var worker = await env.StartWorkerAsync(lease: TimeSpan.FromSeconds(2));
        var health = worker.Services.GetRequiredService<HealthCheckService>();
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync()).Status);
        var handle = await env.Client.StartWorkflowAsync((TimerWorkflow w) => w.RunAsync("outage", 1500), new WorkflowOptions("outage", "q"));
        await WaitUntilAsync(async () => (await handle.FetchHistoryAsync()).Events.Any(e => e.Type == EventTypes.TimerStarted), TimeSpan.FromSeconds(10), "timer started");

        await postgres.Cluster.StopAsync();
        await WaitUntilAsync(async () => (await health.CheckHealthAsync()).Status == HealthStatus.Degraded, TimeSpan.FromSeconds(15), "degraded health");
        var report = await health.CheckHealthAsync();
        Assert.Contains("durable worker retrying storage", report.Entries["durable-worker"].Description);
        await Task.Delay(1500); // the timer falls due while the database is down
        await postgres.Cluster.StartAsync([]);

        await WithTimeout(handle.GetResultAsync<DateTime>());
        Assert.Equal(1, await env.CountEffectsAsync("done", "outage/%"));
        await WaitUntilAsync(async () => (await health.CheckHealthAsync()).Status == HealthStatus.Healthy, TimeSpan.FromSeconds(15), "healthy again");
    }
}

[Collection("durable")]
public sealed class TelemetryTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Activity_attempt_spans_are_children_of_the_run_span()
    {
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == DurableTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { lock (spans) spans.Add(a); },
        };
        ActivitySource.AddActivityListener(listener);
        await using var env = await CreateAsync(postgres);
        await env.StartWorkerAsync();
        await WithTimeout(env.Client.ExecuteWorkflowAsync((SequentialWorkflow w) => w.RunAsync("otel", 2, 0, 0), new WorkflowOptions("otel", "q")));

        Activity[] mine;
        lock (spans) mine = spans.Where(s => s.TraceId == spans.Single(r => r.OperationName == "RunWorkflow:SequentialWorkflow" && (string?)r.GetTagItem("durable.workflow_id") == "otel").TraceId).ToArray();
        var run = mine.Single(s => s.OperationName.StartsWith("RunWorkflow:"));
        var attempts = mine.Where(s => s.OperationName == "RunActivity:Step").ToList();
        Assert.Equal(2, attempts.Count);
        Assert.All(attempts, a => Assert.Equal(run.SpanId, a.ParentSpanId));
        Assert.True(mine.Count(s => s.OperationName == "WorkflowTask:SequentialWorkflow") >= 3);
    }
}
