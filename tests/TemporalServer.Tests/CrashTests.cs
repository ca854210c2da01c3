using System.Collections.Concurrent;
using System.Diagnostics;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Worker;
using TestSupport;

namespace TemporalServer.Tests;

/// <summary>Servers and workers killed mid-run; each test has its own database and server processes.</summary>
[Collection(TemporalCollection.Name)]
public sealed class CrashTests(TemporalEnvironment env)
{
    static string NewId() => "q-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task A_timer_fires_after_the_server_is_killed_and_restarted()
    {
        await using var server = await TemporalServerFixture.StartAsync(await env.Postgres.CreateDatabaseAsync("timer"));
        var client = await TemporalEnvironment.ConnectAsync(server);
        var queue = NewId();
        var handle = await client.StartWorkflowAsync((SleepingWorkflow wf) => wf.RunAsync(TimeSpan.FromSeconds(3)), new(NewId(), queue));
        await using (var worker = new RunningWorker(client, new TemporalWorkerOptions(queue).AddWorkflow<SleepingWorkflow>()))
        {
            await WorkflowLifecycleTests.WaitForEventAsync(handle, EventType.TimerStarted);
            await server.KillAsync();
        }
        await Task.Delay(TimeSpan.FromSeconds(3));
        await server.RestartAsync();

        var restarted = await TemporalEnvironment.ConnectAsync(server);
        await using var again = new RunningWorker(restarted, new TemporalWorkerOptions(queue).AddWorkflow<SleepingWorkflow>());
        Assert.Equal("woke", await restarted.GetWorkflowHandle<SleepingWorkflow>(handle.Id).GetResultAsync<string>());
        var history = await restarted.GetWorkflowHandle(handle.Id).FetchHistoryAsync();
        Assert.Single(history.Events, e => e.EventType == EventType.TimerFired);
    }

    [Fact]
    public async Task An_activity_of_a_worker_killed_mid_attempt_is_taken_over_by_another_worker()
    {
        var queue = NewId();
        var activityQueue = NewId();
        var marker = Path.Combine(Path.GetTempPath(), NewId());
        using var doomed = StartWorkerProcess(env.Server.Target, activityQueue, marker);
        try
        {
            await using var workflows = new RunningWorker(env.Client, new TemporalWorkerOptions(queue).AddWorkflow<ActivityWorkflow>());
            var call = new ActivityCall("takeover", 0, StartToClose: TimeSpan.FromSeconds(3), TaskQueue: activityQueue);
            var handle = await env.Client.StartWorkflowAsync((ActivityWorkflow wf) => wf.RunAsync(call), new(NewId(), queue));
            for (var i = 0; i < 300 && !File.Exists(marker); i++) await Task.Delay(100);
            Assert.Equal("1", await File.ReadAllTextAsync(marker));
            doomed.Kill();
            await doomed.WaitForExitAsync();

            var activities = new FlakyActivities();
            await using var survivor = new RunningWorker(env.Client, new TemporalWorkerOptions(activityQueue).AddAllActivities(activities));
            Assert.Equal("done on attempt 2", await handle.GetResultAsync());
        }
        finally
        {
            if (!doomed.HasExited) doomed.Kill();
            File.Delete(marker);
        }
    }

    [Fact]
    public async Task A_server_killed_mid_run_loses_and_duplicates_no_activity_completion()
    {
        await using var server = await TemporalServerFixture.StartAsync(await env.Postgres.CreateDatabaseAsync("kill"));
        var queue = NewId();
        var activities = new FlakyActivities();
        var client = await TemporalEnvironment.ConnectAsync(server);
        var handles = new List<WorkflowHandle<ActivityWorkflow, string>>();
        await using (var worker = new RunningWorker(client, new TemporalWorkerOptions(queue).AddWorkflow<ActivityWorkflow>().AddAllActivities(activities)))
        {
            for (var i = 0; i < 20; i++)
            {
                var call = new ActivityCall($"a{i}", 0, Sleep: TimeSpan.FromMilliseconds(300 * (i % 5)), StartToClose: TimeSpan.FromSeconds(5));
                handles.Add(await client.StartWorkflowAsync((ActivityWorkflow wf) => wf.RunAsync(call), new(NewId(), queue)));
            }
            await Task.Delay(600);
            await server.KillAsync();
        }
        await server.RestartAsync();
        var restarted = await TemporalEnvironment.ConnectAsync(server);
        await using var again = new RunningWorker(restarted, new TemporalWorkerOptions(queue).AddWorkflow<ActivityWorkflow>().AddAllActivities(activities));

        foreach (var handle in handles)
        {
            var result = await restarted.GetWorkflowHandle<ActivityWorkflow>(handle.Id).GetResultAsync<string>();
            Assert.StartsWith("done on attempt", result);
            var history = await restarted.GetWorkflowHandle(handle.Id).FetchHistoryAsync();
            Assert.Single(history.Events, e => e.EventType == EventType.ActivityTaskScheduled);
            Assert.Single(history.Events, e => e.EventType == EventType.ActivityTaskCompleted);
            Assert.Single(history.Events, e => e.EventType == EventType.WorkflowExecutionCompleted);
        }
    }

    [Fact]
    public async Task Two_server_processes_on_one_database_dispatch_each_task_once()
    {
        var database = await env.Postgres.CreateDatabaseAsync("two");
        await using var first = await TemporalServerFixture.StartAsync(database);
        await using var second = await TemporalServerFixture.StartAsync(database);
        var clients = new[] { await TemporalEnvironment.ConnectAsync(first, "worker-of-first"), await TemporalEnvironment.ConnectAsync(second, "worker-of-second") };
        var queue = NewId();
        var executions = new ConcurrentDictionary<string, int>();
        var activities = new CountingActivities(executions);
        await using var w1 = new RunningWorker(clients[0], new TemporalWorkerOptions(queue).AddWorkflow<ActivityWorkflow>().AddAllActivities(activities));
        await using var w2 = new RunningWorker(clients[1], new TemporalWorkerOptions(queue).AddWorkflow<ActivityWorkflow>().AddAllActivities(activities));

        var executionsIds = Enumerable.Range(0, 40).Select(_ => NewId()).ToList();
        var starts = executionsIds.Select((id, i) =>
        {
            var call = new ActivityCall($"k{i}", 0, StartToClose: TimeSpan.FromSeconds(30));
            return clients[i % 2].ExecuteWorkflowAsync((ActivityWorkflow wf) => wf.RunAsync(call), new(id, queue));
        });
        var results = await Task.WhenAll(starts);

        Assert.All(results, r => Assert.Equal("done on attempt 1", r));
        Assert.Equal(40, executions.Count);
        Assert.All(executions, e => Assert.Equal(1, e.Value));
        // Both servers dispatched: the activity attempts were started by pollers of each.
        var pollers = new HashSet<string>();
        foreach (var id in executionsIds) pollers.UnionWith((await clients[0].GetWorkflowHandle(id).FetchHistoryAsync()).Events
            .Where(e => e.EventType == EventType.ActivityTaskStarted).Select(e => e.ActivityTaskStartedEventAttributes.Identity));
        Assert.Equal(["worker-of-first", "worker-of-second"], pollers.Order());
    }

    /// <summary>Counts executions per key.</summary>
    sealed class CountingActivities(ConcurrentDictionary<string, int> executions)
    {
        [Temporalio.Activities.Activity("Run")]
        public string Run(string key, int failuresBeforeSuccess, string errorType, TimeSpan? sleep)
        {
            executions.AddOrUpdate(key, 1, (_, n) => n + 1);
            return "done on attempt " + Temporalio.Activities.ActivityExecutionContext.Current.Info.Attempt;
        }
    }

    static Process StartWorkerProcess(string target, string taskQueue, string marker)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var dll = Path.Combine(ServiceProcess.RepositoryRoot, "tests", "TemporalServer.TestWorker", "bin", configuration, "net10.0", "TemporalServer.TestWorker.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { dll, target, taskQueue, marker }) psi.ArgumentList.Add(arg);
        return Process.Start(psi)!;
    }
}
