namespace TemporalServer.Executions;

/// <summary>What a poller takes from <c>temporal.tasks</c>.</summary>
enum TaskKind : short { Workflow = 0, Activity = 1, Query = 2 }

/// <summary>
/// Rows of <c>temporal.timers</c>: timeouts and timers of one run, and cross-run work (a child to start, a parent
/// to tell, a workflow to signal or cancel), done later in its own transaction so that one transaction never
/// locks two runs.
/// </summary>
enum TimerKind : short
{
    WorkflowTaskTimeout = 0,
    UserTimer = 1,
    ActivityRetry = 2,
    ActivityScheduleToStart = 3,
    ActivityScheduleToClose = 4,
    ActivityStartToClose = 5,
    ActivityHeartbeat = 6,
    WorkflowRunTimeout = 7,
    FirstWorkflowTask = 8,
    StartChild = 9,
    ChildClosed = 10,
    SignalExternal = 11,
    CancelExternal = 12,
    ExternalDelivered = 13,
    ApplyParentClosePolicy = 14,
    StickyScheduleToStart = 15,
}

sealed record TaskRow(string Namespace, string TaskQueue, TaskKind Kind, string RunId, long ScheduledEventId, int Attempt, Guid? QueryId = null);

sealed record TimerRow(DateTime FireAt, string RunId, TimerKind Kind, long ScheduledEventId, int Attempt, byte[]? Payload = null);
