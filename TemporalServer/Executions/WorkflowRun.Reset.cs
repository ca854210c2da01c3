using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;

namespace TemporalServer.Executions;

/// <summary>A reset point the server cannot reset to; answered INVALID_ARGUMENT naming the reason.</summary>
sealed class ResetException(string message) : Exception(message);

sealed partial class WorkflowRun
{
    /// <summary>
    /// ResetWorkflowExecution's new run: the base run's history up to and including the WorkflowTaskStarted of the
    /// reset point (<paramref name="kept"/>), that task failed with cause ResetWorkflow (naming the base and new run),
    /// the base run's later signals (<paramref name="reapply"/>) and a new workflow task. The run's state is rebuilt
    /// from the kept events: activities and timers pending at that point are scheduled again (activities from attempt
    /// 1, timers at their original fire time). Pending children and signals or cancellations of other workflows
    /// cannot be restored, so such a point is refused.
    /// </summary>
    public static WorkflowRun Reset(RunState baseRun, IReadOnlyList<HistoryEvent> kept, IEnumerable<HistoryEvent> reapply,
        string newRunId, string reason, string requestId, string identity)
    {
        if (kept.Count == 0 || kept[^1].EventType != EventType.WorkflowTaskStarted)
            throw new ResetException("the reset point must be a WorkflowTaskCompleted, WorkflowTaskFailed, WorkflowTaskTimedOut or WorkflowTaskStarted event");
        var started = kept[0].WorkflowExecutionStartedEventAttributes.Clone();
        var now = Now;
        var run = new WorkflowRun(new RunState
        {
            Namespace = baseRun.Namespace,
            WorkflowId = baseRun.WorkflowId,
            RunId = newRunId,
            Started = started,
            StartRequestId = requestId,
            StartTime = now,
            ExecutionTime = now,
            SearchAttributes = started.SearchAttributes?.Clone() ?? new(),
            Memo = started.Memo?.Clone() ?? new(),
            UserMetadata = baseRun.UserMetadata,
        }, isNew: true);
        var timerDue = new Dictionary<long, DateTime>();
        var otherWorkflows = new HashSet<long>();
        foreach (var e in kept) run.Rebuild(e.Clone(), timerDue, otherWorkflows);
        if (run.State.Children.Count > 0 || otherWorkflows.Count > 0)
            throw new ResetException("resetting to a point with a pending child workflow, or a pending signal or cancellation of another workflow, is not supported");

        var task = run.State.WorkflowTask;
        var failed = Event(EventType.WorkflowTaskFailed);
        failed.WorkflowTaskFailedEventAttributes = new()
        {
            ScheduledEventId = task.ScheduledEventId,
            StartedEventId = task.StartedEventId,
            Cause = WorkflowTaskFailedCause.ResetWorkflow,
            Failure = new Failure { Message = reason },
            Identity = identity,
            BaseRunId = baseRun.RunId,
            NewRunId = newRunId,
        };
        run.Append(failed);
        run.State.WorkflowTask = new WorkflowTaskState();
        foreach (var signal in reapply)
        {
            var e = Event(EventType.WorkflowExecutionSignaled);
            e.WorkflowExecutionSignaledEventAttributes = signal.WorkflowExecutionSignaledEventAttributes.Clone();
            run.Append(e);
        }
        run.ScheduleWorkflowTask();

        foreach (var activity in run.State.Activities.Values)
        {
            run.DispatchActivityRetry(activity);
            if (Positive(activity.Scheduled.ScheduleToCloseTimeout) is { } toClose) run.Timer(toClose, TimerKind.ActivityScheduleToClose, activity.ScheduledEventId, 0);
        }
        foreach (var (timerId, startedId) in run.State.Timers)
            run.Timer(timerDue[startedId] - now, TimerKind.UserTimer, startedId, 0, new StringValue { Value = timerId });
        if (Positive(started.WorkflowRunTimeout) is { } runTimeout) run.Timer(runTimeout, TimerKind.WorkflowRunTimeout, 0, 0);
        return run;
    }

    /// <summary>Appends a kept event and applies it to the state, as the transition that wrote it did.</summary>
    void Rebuild(HistoryEvent e, Dictionary<long, DateTime> timerDue, HashSet<long> otherWorkflows)
    {
        var id = e.EventId;
        if (ClosedActivity(e) is { } closed) State.Activities.Remove(closed);
        if (ResolvedExternal(e) is { } resolved) otherWorkflows.Remove(resolved);
        switch (e.AttributesCase)
        {
            case HistoryEvent.AttributesOneofCase.WorkflowTaskScheduledEventAttributes:
                State.WorkflowTask = new WorkflowTaskState { ScheduledEventId = id, Attempt = Math.Max(1, e.WorkflowTaskScheduledEventAttributes.Attempt), ScheduledTime = e.EventTime.ToDateTime() };
                break;
            case HistoryEvent.AttributesOneofCase.WorkflowTaskStartedEventAttributes:
                State.WorkflowTask.StartedEventId = id;
                State.WorkflowTask.StartedTime = e.EventTime.ToDateTime();
                break;
            case HistoryEvent.AttributesOneofCase.WorkflowTaskCompletedEventAttributes:
                State.LastCompletedStartedEventId = e.WorkflowTaskCompletedEventAttributes.StartedEventId;
                State.WorkflowTask = new WorkflowTaskState();
                break;
            case HistoryEvent.AttributesOneofCase.WorkflowTaskFailedEventAttributes:
            case HistoryEvent.AttributesOneofCase.WorkflowTaskTimedOutEventAttributes:
                State.WorkflowTask = new WorkflowTaskState();
                break;
            case HistoryEvent.AttributesOneofCase.ActivityTaskScheduledEventAttributes:
                State.Activities[id] = new PendingActivity { ScheduledEventId = id, Scheduled = e.ActivityTaskScheduledEventAttributes, FirstScheduledTime = Now, AttemptScheduledTime = Now };
                break;
            case HistoryEvent.AttributesOneofCase.ActivityTaskCancelRequestedEventAttributes:
                if (State.Activities.TryGetValue(e.ActivityTaskCancelRequestedEventAttributes.ScheduledEventId, out var cancelled))
                {
                    cancelled.CancelRequested = true;
                    cancelled.CancelRequestedEventId = id;
                }
                break;
            case HistoryEvent.AttributesOneofCase.TimerStartedEventAttributes:
                State.Timers[e.TimerStartedEventAttributes.TimerId] = id;
                timerDue[id] = e.EventTime.ToDateTime() + e.TimerStartedEventAttributes.StartToFireTimeout.ToTimeSpan();
                break;
            case HistoryEvent.AttributesOneofCase.TimerFiredEventAttributes:
                State.Timers.Remove(e.TimerFiredEventAttributes.TimerId);
                break;
            case HistoryEvent.AttributesOneofCase.TimerCanceledEventAttributes:
                State.Timers.Remove(e.TimerCanceledEventAttributes.TimerId);
                break;
            case HistoryEvent.AttributesOneofCase.StartChildWorkflowExecutionInitiatedEventAttributes:
                var initiated = e.StartChildWorkflowExecutionInitiatedEventAttributes;
                State.Children[id] = new PendingChild { Namespace = initiated.Namespace, WorkflowId = initiated.WorkflowId, WorkflowType = initiated.WorkflowType.Name, ParentClosePolicy = initiated.ParentClosePolicy };
                break;
            case HistoryEvent.AttributesOneofCase.StartChildWorkflowExecutionFailedEventAttributes:
                State.Children.Remove(e.StartChildWorkflowExecutionFailedEventAttributes.InitiatedEventId);
                break;
            case HistoryEvent.AttributesOneofCase.ChildWorkflowExecutionStartedEventAttributes:
                if (State.Children.TryGetValue(e.ChildWorkflowExecutionStartedEventAttributes.InitiatedEventId, out var child))
                    child.RunId = e.ChildWorkflowExecutionStartedEventAttributes.WorkflowExecution.RunId;
                break;
            case HistoryEvent.AttributesOneofCase.SignalExternalWorkflowExecutionInitiatedEventAttributes:
            case HistoryEvent.AttributesOneofCase.RequestCancelExternalWorkflowExecutionInitiatedEventAttributes:
                otherWorkflows.Add(id);
                break;
            case HistoryEvent.AttributesOneofCase.WorkflowExecutionCancelRequestedEventAttributes:
                State.CancelRequested = true;
                break;
            case HistoryEvent.AttributesOneofCase.UpsertWorkflowSearchAttributesEventAttributes:
                Merge(State.SearchAttributes.IndexedFields, e.UpsertWorkflowSearchAttributesEventAttributes.SearchAttributes.IndexedFields);
                break;
            case HistoryEvent.AttributesOneofCase.WorkflowPropertiesModifiedEventAttributes when e.WorkflowPropertiesModifiedEventAttributes.UpsertedMemo is { } memo:
                Merge(State.Memo.Fields, memo.Fields);
                break;
        }
        Append(e);
    }

    /// <summary>The scheduled event id of the activity an event closes, if it closes one.</summary>
    static long? ClosedActivity(HistoryEvent e) => e.AttributesCase switch
    {
        HistoryEvent.AttributesOneofCase.ActivityTaskCompletedEventAttributes => e.ActivityTaskCompletedEventAttributes.ScheduledEventId,
        HistoryEvent.AttributesOneofCase.ActivityTaskFailedEventAttributes => e.ActivityTaskFailedEventAttributes.ScheduledEventId,
        HistoryEvent.AttributesOneofCase.ActivityTaskTimedOutEventAttributes => e.ActivityTaskTimedOutEventAttributes.ScheduledEventId,
        HistoryEvent.AttributesOneofCase.ActivityTaskCanceledEventAttributes => e.ActivityTaskCanceledEventAttributes.ScheduledEventId,
        _ => null,
    };

    /// <summary>The initiated event id of a signal or cancel of another workflow that an event resolves, if any.</summary>
    static long? ResolvedExternal(HistoryEvent e) => e.AttributesCase switch
    {
        HistoryEvent.AttributesOneofCase.ExternalWorkflowExecutionSignaledEventAttributes => e.ExternalWorkflowExecutionSignaledEventAttributes.InitiatedEventId,
        HistoryEvent.AttributesOneofCase.SignalExternalWorkflowExecutionFailedEventAttributes => e.SignalExternalWorkflowExecutionFailedEventAttributes.InitiatedEventId,
        HistoryEvent.AttributesOneofCase.ExternalWorkflowExecutionCancelRequestedEventAttributes => e.ExternalWorkflowExecutionCancelRequestedEventAttributes.InitiatedEventId,
        HistoryEvent.AttributesOneofCase.RequestCancelExternalWorkflowExecutionFailedEventAttributes => e.RequestCancelExternalWorkflowExecutionFailedEventAttributes.InitiatedEventId,
        _ => null,
    };
}
