using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Durable;

/// <summary>
/// Spans and metrics, both named "Durable". A run's trace context is created when it starts and stored with the run,
/// so workflow-task, activity, timer and signal spans in any process become children of the run's span.
/// </summary>
public static class DurableTelemetry
{
    public const string Name = "Durable";
    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    public static readonly Counter<long> WorkflowsStarted = Meter.CreateCounter<long>("durable.workflow.started");
    public static readonly Counter<long> WorkflowsCompleted = Meter.CreateCounter<long>("durable.workflow.completed");
    public static readonly Counter<long> WorkflowsFailed = Meter.CreateCounter<long>("durable.workflow.failed");
    public static readonly Counter<long> ActivityAttempts = Meter.CreateCounter<long>("durable.activity.attempts");
    public static readonly Counter<long> ActivityFailures = Meter.CreateCounter<long>("durable.activity.failures");
    public static readonly Histogram<double> ActivityDuration = Meter.CreateHistogram<double>("durable.activity.duration", "ms");
    public static readonly Histogram<double> ScheduleToStart = Meter.CreateHistogram<double>("durable.task.schedule_to_start", "ms");
    public static readonly Counter<long> LeaseTakeovers = Meter.CreateCounter<long>("durable.lease.takeovers");

    static readonly Dictionary<string, long> QueueDepths = [];
    static readonly ObservableGauge<long> Depth = Meter.CreateObservableGauge("durable.task_queue.depth", ObserveDepth);

    internal static void SetQueueDepth(string queue, string kind, long depth)
    {
        lock (QueueDepths) QueueDepths[$"{queue}\n{kind}"] = depth;
    }

    static IEnumerable<Measurement<long>> ObserveDepth()
    {
        lock (QueueDepths)
            return QueueDepths.Select(kv => new Measurement<long>(kv.Value,
                new KeyValuePair<string, object?>("task_queue", kv.Key.Split('\n')[0]), new KeyValuePair<string, object?>("kind", kv.Key.Split('\n')[1]))).ToList();
    }

    /// <summary>Starts the run span (ended at once: it marks the start and is the parent of everything the run does) and returns its W3C trace parent.</summary>
    internal static string? StartRunSpan(string workflowType, string workflowId, Guid runId, string? parentTrace)
    {
        ActivityContext.TryParse(parentTrace, null, out var parent);
        using var span = Source.StartActivity($"RunWorkflow:{workflowType}", ActivityKind.Internal, parent);
        if (span is null) return parentTrace ?? Activity.Current?.Id;
        span.SetTag("durable.workflow_id", workflowId);
        span.SetTag("durable.run_id", runId);
        return span.Id;
    }

    internal static Activity? StartChildSpan(string name, string? traceParent, ActivityKind kind = ActivityKind.Internal)
    {
        ActivityContext.TryParse(traceParent, null, out var parent);
        return Source.StartActivity(name, kind, parent);
    }
}
