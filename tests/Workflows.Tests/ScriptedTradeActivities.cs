using System.Collections.Concurrent;
using Temporalio.Activities;
using Temporalio.Exceptions;
using Workflows.Trades;

namespace Workflows.Tests;

/// <summary>
/// The pipeline's activities replaced at their I/O boundary (as temporalio/samples-dotnet tests workflows): fixed
/// outcomes, each call recorded with what it was given; <see cref="RejectSeal"/> makes the seal refuse the request.
/// </summary>
sealed class ScriptedTradeActivities(SealedWindow window) : ITradeActivities
{
    public ConcurrentQueue<string> Calls { get; } = new();
    public bool RejectSeal { get; init; }

    [Activity]
    public Task<SealedWindow> SealWindowAsync(TradePipelineRequest request, string windowId)
    {
        Calls.Enqueue($"seal {request.Mode} {windowId} attempt {ActivityExecutionContext.Current.Info.Attempt}");
        if (RejectSeal) throw new ApplicationFailureException("a backfill needs FirstDay <= LastDay", errorType: WorkflowErrors.InvalidRequest);
        return Task.FromResult(window);
    }

    [Activity]
    public Task<AggregateOutcome> AggregateAsync(SealedWindow w)
    {
        Calls.Enqueue($"aggregate {w.WindowId} {w.Partitions.Count}");
        return Task.FromResult(new AggregateOutcome(170, 3300, 5, 0));
    }

    [Activity]
    public Task<DetectOutcome> DetectAsync(SealedWindow w)
    {
        Calls.Enqueue($"detect {w.WindowId} {w.Partitions.Count}");
        return Task.FromResult(new DetectOutcome(7, "robust"));
    }

    [Activity]
    public Task<ExportOutcome> ExportAsync(SealedWindow w)
    {
        Calls.Enqueue($"export {w.WindowId} {w.Partitions.Count}");
        return Task.FromResult(new ExportOutcome(10, 6600, ["m"]));
    }
}
