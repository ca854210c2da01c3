using System.Text.Json;

namespace Durable;

public sealed class DurableClientOptions
{
    public JsonSerializerOptions? SerializerOptions { get; set; }
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
    /// <summary>Apply the durable schema migrations on first use (idempotent).</summary>
    public bool ApplyMigrations { get; set; } = true;
    public TimeSpan QueryTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>What to do when a workflow ID is reused after its last run closed. A running ID always returns the running run.</summary>
public enum WorkflowIdReusePolicy { AllowDuplicate, AllowDuplicateFailedOnly, RejectDuplicate }

public sealed record WorkflowOptions(string Id, string TaskQueue)
{
    public WorkflowIdReusePolicy IdReusePolicy { get; init; } = WorkflowIdReusePolicy.AllowDuplicate;
}

public sealed record WorkflowDescription(
    string WorkflowId, Guid RunId, string WorkflowType, string TaskQueue, WorkflowStatus Status,
    DateTimeOffset StartedAt, DateTimeOffset? ClosedAt, FailureInfo? Failure, Guid? ParentRunId, Guid? NextRunId, string? ScheduleId, long HistoryLength);

/// <summary>
/// A run with what its history records at either end: the input it started with, its result when completed, the parent
/// that started it, and the W3C traceparent of its telemetry trace (null when it was started without one).
/// </summary>
public sealed record WorkflowDetails(WorkflowDescription Run, JsonElement? Input, JsonElement? Result, string? ParentWorkflowId, string? TraceParent);

/// <summary>Filters for listing runs; all optional and combined with AND.</summary>
public sealed record WorkflowListFilter
{
    public string? WorkflowType { get; init; }
    public WorkflowStatus? Status { get; init; }
    public string? IdPrefix { get; init; }
    public DateTimeOffset? StartedAfter { get; init; }
    public DateTimeOffset? StartedBefore { get; init; }
    public DateTimeOffset? ClosedAfter { get; init; }
    public DateTimeOffset? ClosedBefore { get; init; }
    /// <summary>Only the children this run started.</summary>
    public Guid? ParentRunId { get; init; }
    public int PageSize { get; init; } = 100;
    /// <summary>From <see cref="WorkflowPage.NextPageToken"/>.</summary>
    public string? PageToken { get; init; }
}

public sealed record WorkflowPage(IReadOnlyList<WorkflowDescription> Runs, string? NextPageToken);

/// <summary>A run's history as exported JSON; feed it to <see cref="WorkflowReplayer"/>.</summary>
public sealed record WorkflowHistory(string WorkflowId, Guid RunId, string WorkflowType, string TaskQueue, IReadOnlyList<HistoryEvent> Events)
{
    public string ToJson() => JsonSerializer.Serialize(this, new JsonSerializerOptions(EngineJson.Options) { WriteIndented = true });
    public static WorkflowHistory FromJson(string json) => JsonSerializer.Deserialize<WorkflowHistory>(json, EngineJson.Options)!;
}

