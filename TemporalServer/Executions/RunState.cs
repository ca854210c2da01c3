using System.Text.Json;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.Sdk.V1;
using Temporalio.Api.Workflow.V1;
using TemporalServer.Storage;

namespace TemporalServer.Executions;

/// <summary>
/// A run's mutable state: what the server must remember between RPCs besides the history itself (the workflow task
/// in flight, pending activities, timers and children, events buffered during a task). Stored as JSON in
/// <c>temporal.executions.state</c>; protobuf members as base64 of their binary form.
/// </summary>
sealed class RunState
{
    public static readonly JsonSerializerOptions Json = new() { Converters = { new ProtobufJsonConverter() } };

    public required string Namespace { get; init; }
    public required string WorkflowId { get; init; }
    public required string RunId { get; init; }
    public required WorkflowExecutionStartedEventAttributes Started { get; init; }
    public string? StartRequestId { get; init; }
    public WorkflowExecutionStatus Status { get; set; } = WorkflowExecutionStatus.Running;
    public DateTime StartTime { get; init; }
    public DateTime ExecutionTime { get; set; }
    public DateTime? CloseTime { get; set; }
    public long NextEventId { get; set; } = 1;

    public WorkflowTaskState WorkflowTask { get; set; } = new();
    /// <summary>
    /// The sticky queue of the worker that completed the last workflow task (its cache holds the run), and how long
    /// a task may wait there before it goes back to the normal queue; null when the run is not sticky.
    /// </summary>
    public string? StickyQueue { get; set; }
    public TimeSpan StickyScheduleToStartTimeout { get; set; }
    public long LastCompletedStartedEventId { get; set; }
    /// <summary>Events that arrived while a workflow task was started; ids are assigned when they are appended.</summary>
    public List<HistoryEvent> Buffered { get; init; } = [];
    public Dictionary<long, PendingActivity> Activities { get; init; } = [];
    /// <summary>Timer id → its TimerStarted event id.</summary>
    public Dictionary<string, long> Timers { get; init; } = [];
    /// <summary>Initiated event id → child.</summary>
    public Dictionary<long, PendingChild> Children { get; init; } = [];
    public bool CancelRequested { get; set; }
    /// <summary>Update id → update, kept after completion so a retried request gets the same outcome.</summary>
    public Dictionary<string, PendingUpdate> Updates { get; init; } = [];
    public SearchAttributes SearchAttributes { get; set; } = new();
    public Memo Memo { get; set; } = new();
    /// <summary>The summary and details a client or parent gave the run (shown by describe).</summary>
    public UserMetadata? UserMetadata { get; init; }
    public long HistorySizeBytes { get; set; }

    public bool IsRunning => Status == WorkflowExecutionStatus.Running;
    public string TaskQueue => Started.TaskQueue.Name;
    public WorkflowExecution Execution => new() { WorkflowId = WorkflowId, RunId = RunId };
}

sealed class WorkflowTaskState
{
    public long ScheduledEventId { get; set; }
    public long StartedEventId { get; set; }
    public int Attempt { get; set; } = 1;
    public DateTime ScheduledTime { get; set; }
    public DateTime StartedTime { get; set; }
    /// <summary>The sticky queue this task was dispatched to; null for the normal queue.</summary>
    public string? StickyQueue { get; set; }
}

sealed class PendingActivity
{
    public required long ScheduledEventId { get; init; }
    public required ActivityTaskScheduledEventAttributes Scheduled { get; init; }
    public int Attempt { get; set; } = 1;
    public bool Running { get; set; }
    public bool CancelRequested { get; set; }
    public long CancelRequestedEventId { get; set; }
    public string? Identity { get; set; }
    public DateTime FirstScheduledTime { get; init; }
    public DateTime AttemptScheduledTime { get; set; }
    public DateTime? StartedTime { get; set; }
    public DateTime? LastHeartbeatTime { get; set; }
    public Payloads? HeartbeatDetails { get; set; }
    public Failure? LastFailure { get; set; }
    public string? LastWorkerIdentity { get; set; }
    /// <summary>Paused by an operator: no new attempt is dispatched until it is unpaused.</summary>
    public bool Paused { get; set; }
    public PendingActivityInfo.Types.PauseInfo? PauseInfo { get; set; }
    /// <summary>Reset by an operator while an attempt ran: the worker is told, and the next attempt is attempt 1.</summary>
    public bool ResetRequested { get; set; }
}

sealed class PendingChild
{
    public required string Namespace { get; init; }
    public required string WorkflowId { get; init; }
    public required string WorkflowType { get; init; }
    public ParentClosePolicy ParentClosePolicy { get; init; }
    public UserMetadata? UserMetadata { get; init; }
    public string? RunId { get; set; }
    /// <summary>0 until ChildWorkflowExecutionStarted is appended (it may sit in the buffer first).</summary>
    public long StartedEventId { get; set; }
}
