using System.Text.Json;

namespace Durable;

/// <summary>One entry of a run's append-only history. <see cref="Seq"/> starts at 1 and has no gaps.</summary>
public sealed record HistoryEvent(long Seq, string Type, DateTimeOffset Time, EventAttributes Attributes)
{
    public override string ToString() => $"{Seq} {Type}{(Attributes.Name is null ? "" : $"({Attributes.Name})")}";
}

/// <summary>Attributes of an event; which ones are set depends on <see cref="HistoryEvent.Type"/> (see <see cref="EventTypes"/>).</summary>
public sealed record EventAttributes
{
    /// <summary>Identifies the activity, timer or child a command and its resolution belong to.</summary>
    public int? CommandIndex { get; init; }
    /// <summary>Workflow type, activity type, signal name or child workflow type.</summary>
    public string? Name { get; init; }
    public JsonElement? Payload { get; init; }
    public FailureInfo? Failure { get; init; }
    public DateTimeOffset? FireAt { get; init; }
    /// <summary>On WorkflowTaskCompleted: the last event the task had seen when it ran.</summary>
    public long? SeenThrough { get; init; }
    public int? Attempt { get; init; }
    public string? WorkflowId { get; init; }
    public Guid? RunId { get; init; }
    public string? TaskQueue { get; init; }
    public ActivityOptionsRecord? Options { get; init; }
    public string? Reason { get; init; }
    public string? Identity { get; init; }
}

/// <summary>The serialisable part of <see cref="ActivityOptions"/>.</summary>
public sealed record ActivityOptionsRecord(TimeSpan? StartToCloseTimeout, TimeSpan? ScheduleToCloseTimeout, TimeSpan? HeartbeatTimeout, RetryPolicy RetryPolicy);

/// <summary>Event type names. Commands are written by workflow tasks; the others are resolutions delivered to the code.</summary>
public static class EventTypes
{
    public const string WorkflowStarted = nameof(WorkflowStarted);
    public const string WorkflowTaskCompleted = nameof(WorkflowTaskCompleted);
    public const string ActivityScheduled = nameof(ActivityScheduled);
    public const string ActivityCompleted = nameof(ActivityCompleted);
    public const string ActivityFailed = nameof(ActivityFailed);
    public const string ActivityCancelRequested = nameof(ActivityCancelRequested);
    public const string TimerStarted = nameof(TimerStarted);
    public const string TimerFired = nameof(TimerFired);
    public const string TimerCanceled = nameof(TimerCanceled);
    public const string SignalReceived = nameof(SignalReceived);
    public const string CancelRequested = nameof(CancelRequested);
    public const string ChildWorkflowStarted = nameof(ChildWorkflowStarted);
    public const string ChildWorkflowCancelRequested = nameof(ChildWorkflowCancelRequested);
    public const string ChildWorkflowCompleted = nameof(ChildWorkflowCompleted);
    public const string ChildWorkflowFailed = nameof(ChildWorkflowFailed);
    public const string WorkflowCompleted = nameof(WorkflowCompleted);
    public const string WorkflowFailed = nameof(WorkflowFailed);
    public const string WorkflowCanceled = nameof(WorkflowCanceled);
    public const string WorkflowContinuedAsNew = nameof(WorkflowContinuedAsNew);
    public const string WorkflowTerminated = nameof(WorkflowTerminated);
    /// <summary>Written by the engine (not the code) when replay found a mismatch; not a command, so the history stays replayable.</summary>
    public const string WorkflowNonDeterministic = nameof(WorkflowNonDeterministic);

    static readonly HashSet<string> Commands =
    [
        ActivityScheduled, ActivityCancelRequested, TimerStarted, TimerCanceled, ChildWorkflowStarted, ChildWorkflowCancelRequested,
        WorkflowCompleted, WorkflowFailed, WorkflowCanceled, WorkflowContinuedAsNew,
    ];

    public static bool IsCommand(string type) => Commands.Contains(type);
}
