using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.TaskQueue.V1;

namespace TemporalServer.Executions;

sealed partial class WorkflowRun
{
    /// <summary>
    /// The run's last event. A failed or timed-out run with a retry policy continues as a new run after a backoff; else
    /// a cron workflow that completed, failed or timed out continues as its next run at the next cron time; otherwise
    /// its parent hears of it, and its children are terminated or cancelled as their parent-close policy says.
    /// A run <paramref name="replaced"/> by another (reset) does neither: the workflow goes on in the new run.
    /// </summary>
    void Close(HistoryEvent e, WorkflowExecutionStatus status, bool replaced = false)
    {
        var retry = status is WorkflowExecutionStatus.Failed or WorkflowExecutionStatus.TimedOut ? RetryRun(e) : null;
        retry ??= status is WorkflowExecutionStatus.Completed or WorkflowExecutionStatus.Failed or WorkflowExecutionStatus.TimedOut ? CronRun(e) : null;
        Append(e);
        State.Status = status;
        State.CloseTime = Now;
        Notifications.Add(Storage.Notifications.ClosedKey(State.RunId));
        State.Buffered.Clear();
        State.WorkflowTask = new WorkflowTaskState();
        FailOpenUpdates();
        if (retry is not null || replaced || status == WorkflowExecutionStatus.ContinuedAsNew) return;
        TellParent(e);
        foreach (var child in State.Children.Values.Where(c => c.RunId is not null))
        {
            if (child.ParentClosePolicy is ParentClosePolicy.Terminate or ParentClosePolicy.Unspecified or ParentClosePolicy.RequestCancel)
                Timer(TimeSpan.Zero, TimerKind.ApplyParentClosePolicy, 0, (int)child.ParentClosePolicy,
                    new WorkflowExecution { WorkflowId = child.WorkflowId, RunId = child.RunId });
        }
    }

    /// <summary>
    /// A running run whose history outgrew a limit is terminated with Temporal's reason (checked, as Temporal does,
    /// when a workflow task completes, which is where the workflow itself makes its history grow).
    /// </summary>
    public void EnforceHistoryLimits(HistoryLimits limits)
    {
        if (!State.IsRunning) return;
        if (State.HistorySizeBytes > limits.MaxBytes) Terminate(HistoryLimits.SizeExceeded, null, "temporal-server");
        else if (State.NextEventId - 1 > limits.MaxEvents) Terminate(HistoryLimits.CountExceeded, null, "temporal-server");
    }

    public void TimeOutRun()
    {
        var e = Event(EventType.WorkflowExecutionTimedOut);
        e.WorkflowExecutionTimedOutEventAttributes = new() { RetryState = RetryState.Timeout };
        foreach (var buffered in State.Buffered) Append(buffered);
        State.Buffered.Clear();
        Close(e, WorkflowExecutionStatus.TimedOut);
    }

    WorkflowRun? RetryRun(HistoryEvent closing)
    {
        var policy = State.Started.RetryPolicy;
        if (policy is null) return null;
        var retry = FillRetryDefaults(policy);
        var failure = closing.WorkflowExecutionFailedEventAttributes?.Failure;
        var type = failure?.ApplicationFailureInfo?.Type;
        var attempt = State.Started.Attempt;
        RetryState state;
        if (failure?.ApplicationFailureInfo?.NonRetryable == true || (type is not null && retry.NonRetryableErrorTypes.Contains(type))) state = RetryState.NonRetryableFailure;
        else if (retry.MaximumAttempts > 0 && attempt >= retry.MaximumAttempts) state = RetryState.MaximumAttemptsReached;
        else state = RetryState.InProgress;
        var backoff = Backoff(retry, attempt);
        if (State.Started.WorkflowExecutionExpirationTime is { } expiration && Now + backoff >= expiration.ToDateTime()) state = RetryState.Timeout;
        SetRetryState(closing, state, null);
        if (state != RetryState.InProgress) return null;

        var next = State.Started.Clone();
        next.Attempt = attempt + 1;
        next.Initiator = ContinueAsNewInitiator.Retry;
        next.ContinuedExecutionRunId = State.RunId;
        next.ContinuedFailure = failure;
        next.FirstWorkflowTaskBackoff = null;
        next.SearchAttributes = State.SearchAttributes.Clone();
        next.Memo = State.Memo.Clone();
        var run = Start(State.Namespace, State.WorkflowId, Guid.NewGuid().ToString(), next, null, backoff);
        SetRetryState(closing, state, run.State.RunId);
        NewRuns.Add(run);
        return run;
    }

    /// <summary>The next run of a cron workflow: the same start, due at the next cron time, carrying the last result or failure.</summary>
    WorkflowRun? CronRun(HistoryEvent closing)
    {
        var cron = State.Started.CronSchedule;
        if (string.IsNullOrEmpty(cron)) return null;
        if (WorkflowCron.TryBackoff(cron, State.ExecutionTime, Now) is not { } backoff) return null;
        if (State.Started.WorkflowExecutionExpirationTime is { } expiration && Now + backoff >= expiration.ToDateTime()) return null;
        var next = State.Started.Clone();
        next.Attempt = 1;
        next.Initiator = ContinueAsNewInitiator.CronSchedule;
        next.ContinuedExecutionRunId = State.RunId;
        next.ContinuedFailure = closing.WorkflowExecutionFailedEventAttributes?.Failure;
        next.LastCompletionResult = closing.WorkflowExecutionCompletedEventAttributes?.Result ?? State.Started.LastCompletionResult;
        next.FirstWorkflowTaskBackoff = null;
        next.SearchAttributes = State.SearchAttributes.Clone();
        next.Memo = State.Memo.Clone();
        var run = Start(State.Namespace, State.WorkflowId, Guid.NewGuid().ToString(), next, null, backoff);
        if (closing.WorkflowExecutionCompletedEventAttributes is { } completed) completed.NewExecutionRunId = run.State.RunId;
        if (closing.WorkflowExecutionFailedEventAttributes is { } failed) failed.NewExecutionRunId = run.State.RunId;
        if (closing.WorkflowExecutionTimedOutEventAttributes is { } timedOut) timedOut.NewExecutionRunId = run.State.RunId;
        NewRuns.Add(run);
        return run;
    }

    static void SetRetryState(HistoryEvent closing, RetryState state, string? newRunId)
    {
        if (closing.WorkflowExecutionFailedEventAttributes is { } failed) { failed.RetryState = state; failed.NewExecutionRunId = newRunId ?? ""; }
        if (closing.WorkflowExecutionTimedOutEventAttributes is { } timedOut) { timedOut.RetryState = state; timedOut.NewExecutionRunId = newRunId ?? ""; }
    }

    void ContinueAsNew(ContinueAsNewWorkflowExecutionCommandAttributes a, long completedId)
    {
        var newRunId = Guid.NewGuid().ToString();
        var taskQueue = string.IsNullOrEmpty(a.TaskQueue?.Name) ? State.TaskQueue : a.TaskQueue.Name;
        var e = Event(EventType.WorkflowExecutionContinuedAsNew);
        e.WorkflowExecutionContinuedAsNewEventAttributes = new()
        {
            NewExecutionRunId = newRunId,
            WorkflowType = a.WorkflowType ?? State.Started.WorkflowType,
            TaskQueue = new TaskQueue { Name = taskQueue, Kind = TaskQueueKind.Normal },
            Input = a.Input,
            WorkflowRunTimeout = a.WorkflowRunTimeout ?? State.Started.WorkflowRunTimeout,
            WorkflowTaskTimeout = a.WorkflowTaskTimeout ?? State.Started.WorkflowTaskTimeout,
            WorkflowTaskCompletedEventId = completedId,
            Initiator = a.Initiator,
            LastCompletionResult = a.LastCompletionResult,
            Header = a.Header,
            Memo = a.Memo,
            SearchAttributes = a.SearchAttributes,
            BackoffStartInterval = a.BackoffStartInterval,
        };
        Close(e, WorkflowExecutionStatus.ContinuedAsNew);
        var next = State.Started.Clone();
        next.WorkflowType = e.WorkflowExecutionContinuedAsNewEventAttributes.WorkflowType;
        next.TaskQueue = new TaskQueue { Name = taskQueue, Kind = TaskQueueKind.Normal };
        next.Input = a.Input;
        next.Header = a.Header;
        next.WorkflowRunTimeout = e.WorkflowExecutionContinuedAsNewEventAttributes.WorkflowRunTimeout;
        next.WorkflowTaskTimeout = e.WorkflowExecutionContinuedAsNewEventAttributes.WorkflowTaskTimeout;
        next.ContinuedExecutionRunId = State.RunId;
        next.Initiator = a.Initiator;
        next.ContinuedFailure = a.Failure;
        next.LastCompletionResult = a.LastCompletionResult;
        next.Memo = a.Memo ?? State.Memo.Clone();
        next.SearchAttributes = a.SearchAttributes ?? State.SearchAttributes.Clone();
        next.Attempt = 1;
        if (a.RetryPolicy is not null) next.RetryPolicy = a.RetryPolicy;
        next.FirstWorkflowTaskBackoff = null;
        NewRuns.Add(Start(State.Namespace, State.WorkflowId, newRunId, next, null, Positive(a.BackoffStartInterval) ?? TimeSpan.Zero));
    }

    /// <summary>A child's close becomes the parent's ChildWorkflowExecution* event, delivered by the parent's own transaction.</summary>
    void TellParent(HistoryEvent closing)
    {
        var parent = State.Started.ParentWorkflowExecution;
        if (parent is null || string.IsNullOrEmpty(parent.RunId)) return;
        var ns = State.Namespace;
        var initiated = State.Started.ParentInitiatedEventId;
        // The first run's id names the child in the parent's history (a child that continued as new or retried is the same child).
        var self = new WorkflowExecution { WorkflowId = State.WorkflowId, RunId = State.RunId };
        var type = State.Started.WorkflowType;
        HistoryEvent e;
        switch (closing.AttributesCase)
        {
            case HistoryEvent.AttributesOneofCase.WorkflowExecutionCompletedEventAttributes:
                e = Event(EventType.ChildWorkflowExecutionCompleted);
                e.ChildWorkflowExecutionCompletedEventAttributes = new() { Namespace = ns, WorkflowExecution = self, WorkflowType = type, InitiatedEventId = initiated, Result = closing.WorkflowExecutionCompletedEventAttributes.Result };
                break;
            case HistoryEvent.AttributesOneofCase.WorkflowExecutionFailedEventAttributes:
                e = Event(EventType.ChildWorkflowExecutionFailed);
                e.ChildWorkflowExecutionFailedEventAttributes = new() { Namespace = ns, WorkflowExecution = self, WorkflowType = type, InitiatedEventId = initiated, Failure = closing.WorkflowExecutionFailedEventAttributes.Failure, RetryState = closing.WorkflowExecutionFailedEventAttributes.RetryState };
                break;
            case HistoryEvent.AttributesOneofCase.WorkflowExecutionCanceledEventAttributes:
                e = Event(EventType.ChildWorkflowExecutionCanceled);
                e.ChildWorkflowExecutionCanceledEventAttributes = new() { Namespace = ns, WorkflowExecution = self, WorkflowType = type, InitiatedEventId = initiated, Details = closing.WorkflowExecutionCanceledEventAttributes.Details };
                break;
            case HistoryEvent.AttributesOneofCase.WorkflowExecutionTerminatedEventAttributes:
                e = Event(EventType.ChildWorkflowExecutionTerminated);
                e.ChildWorkflowExecutionTerminatedEventAttributes = new() { Namespace = ns, WorkflowExecution = self, WorkflowType = type, InitiatedEventId = initiated };
                break;
            default:
                e = Event(EventType.ChildWorkflowExecutionTimedOut);
                e.ChildWorkflowExecutionTimedOutEventAttributes = new() { Namespace = ns, WorkflowExecution = self, WorkflowType = type, InitiatedEventId = initiated, RetryState = RetryState.Timeout };
                break;
        }
        Timer(TimeSpan.Zero, TimerKind.ChildClosed, initiated, 0, e, parent.RunId);
    }
}
