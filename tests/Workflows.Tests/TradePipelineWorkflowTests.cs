using System.Collections.Concurrent;
using Durable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using TestSupport;
using Workflows.Trades;

namespace Workflows.Tests;

[CollectionDefinition("engine")]
public sealed class EngineCollection : ICollectionFixture<PostgresFixture>;

/// <summary>
/// The workflow's orchestration on the real engine, with activities replaced at their I/O boundary (as Temporal's
/// samples test workflows): the order of steps, what each receives, the empty-window shortcut, replay safety.
/// </summary>
[Collection("engine")]
public sealed class TradePipelineWorkflowTests(PostgresFixture postgres)
{
    [Fact]
    public async Task A_window_runs_seal_aggregate_detect_export_in_order_and_reports_their_outcomes()
    {
        var calls = new ConcurrentQueue<string>();
        var window = new SealedWindow("w1", null, null, [new DeliveryPartition(new DateOnly(2023, 1, 1), "FR"), new DeliveryPartition(new DateOnly(2023, 1, 1), "DE")]);
        var (client, host) = await StartAsync(new ScriptedActivities(calls, window));
        using var _ = host;

        var report = await client.ExecuteWorkflowAsync((TradePipelineWorkflow w) => w.RunAsync(TradePipelineRequest.Backfill(new DateOnly(2023, 1, 1), new DateOnly(2023, 1, 1))),
            new WorkflowOptions("window-1", TradePipelineWorkflow.TaskQueue));

        Assert.Equal(["seal Backfill window-1", "aggregate w1 2", "detect w1 2", "export w1 2"], calls);
        Assert.Equal(new TradePipelineReport("w1", 2, 170, 3300, 7, 10), report);
        var history = await client.GetWorkflowHandle("window-1").FetchHistoryAsync();
        Assert.True(new WorkflowReplayer().AddWorkflow<TradePipelineWorkflow>().Replay(history).Succeeded, "the history does not replay against the current code");
        await host.StopAsync();
    }

    [Fact]
    public async Task An_empty_window_stops_after_the_seal_step()
    {
        var calls = new ConcurrentQueue<string>();
        var (client, host) = await StartAsync(new ScriptedActivities(calls, new SealedWindow("w2", null, null, [])));
        using var _ = host;

        var report = await client.ExecuteWorkflowAsync((TradePipelineWorkflow w) => w.RunAsync(TradePipelineRequest.Live()),
            new WorkflowOptions("window-2", TradePipelineWorkflow.TaskQueue));

        Assert.Equal(["seal Live window-2"], calls);
        Assert.Equal(new TradePipelineReport("w2", 0, 0, 0, 0, 0), report);
        Assert.Equal("done", await client.GetWorkflowHandle<TradePipelineWorkflow>("window-2").QueryAsync(w => w.Stage));
        await host.StopAsync();
    }

    async Task<(DurableClient, IHost)> StartAsync(ScriptedActivities activities)
    {
        var connectionString = await postgres.CreateDatabaseAsync("workflow");
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(NpgsqlDataSource.Create(connectionString));
        builder.Services.AddDurableWorker(o => o.TaskQueue = TradePipelineWorkflow.TaskQueue)
            .AddWorkflow<TradePipelineWorkflow>()
            .AddActivities(activities);
        var host = builder.Build();
        await host.StartAsync();
        return (new DurableClient(host.Services.GetRequiredService<NpgsqlDataSource>()), host);
    }

    /// <summary>Returns fixed outcomes and records each call with what it was given.</summary>
    sealed class ScriptedActivities(ConcurrentQueue<string> calls, SealedWindow window) : ITradeActivities
    {
        public Task<SealedWindow> SealWindowAsync(TradePipelineRequest request, string windowId)
        {
            calls.Enqueue($"seal {request.Mode} {windowId}");
            return Task.FromResult(window);
        }

        public Task<AggregateOutcome> AggregateAsync(SealedWindow w)
        {
            calls.Enqueue($"aggregate {w.WindowId} {w.Partitions.Count}");
            return Task.FromResult(new AggregateOutcome(170, 3300, 5, 0));
        }

        public Task<DetectOutcome> DetectAsync(SealedWindow w)
        {
            calls.Enqueue($"detect {w.WindowId} {w.Partitions.Count}");
            return Task.FromResult(new DetectOutcome(7, "robust"));
        }

        public Task<ExportOutcome> ExportAsync(SealedWindow w)
        {
            calls.Enqueue($"export {w.WindowId} {w.Partitions.Count}");
            return Task.FromResult(new ExportOutcome(10, 6600, ["m"]));
        }
    }
}
