using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;

namespace TemporalServer.Executions;

sealed partial class WorkflowRun
{
    static readonly HashSet<CommandType> Closing =
    [
        CommandType.CompleteWorkflowExecution, CommandType.FailWorkflowExecution,
        CommandType.CancelWorkflowExecution, CommandType.ContinueAsNewWorkflowExecution,
    ];

    /// <summary>
    /// RespondWorkflowTaskCompleted: WorkflowTaskCompleted, one or more events per command, then the events buffered
    /// during the task. A completion that would close the run while events are buffered is refused with
    /// UnhandledCommand so the workflow sees them (else a signal sent during the task would be lost). A command with
    /// bad attributes fails the task and is answered (the worker is told, after the commit); none of its commands is applied.
    /// </summary>
    public BadCommand? CompleteWorkflowTask(RespondWorkflowTaskCompletedRequest request)
    {
        if (CommandValidation.FindBad(request.Commands) is { } bad)
        {
            FailWorkflowTask(bad.Cause, new Failure { Message = bad.Message }, request.Identity);
            return bad;
        }
        if ((State.Buffered.Count > 0 || HasUndeliveredUpdates) && request.Commands.Any(c => Closing.Contains(c.CommandType)))
        {
            FailWorkflowTask(WorkflowTaskFailedCause.UnhandledCommand, new Failure { Message = "UnhandledCommand: new events arrived while the task ran" }, request.Identity);
            return null;
        }
        var task = State.WorkflowTask;
        var done = Event(EventType.WorkflowTaskCompleted);
        done.WorkflowTaskCompletedEventAttributes = new()
        {
            ScheduledEventId = task.ScheduledEventId,
            StartedEventId = task.StartedEventId,
            Identity = request.Identity,
            SdkMetadata = request.SdkMetadata,
            MeteringMetadata = request.MeteringMetadata,
        };
        Append(done);
        State.LastCompletedStartedEventId = task.StartedEventId;
        State.WorkflowTask = new WorkflowTaskState();

        var messages = request.Messages.ToDictionary(m => m.Id);
        var applied = new HashSet<string>();
        foreach (var command in request.Commands)
        {
            if (!State.IsRunning) break;
            var firstNew = NewEvents.Count;
            if (command.CommandType == CommandType.ProtocolMessage && messages.TryGetValue(command.ProtocolMessageCommandAttributes.MessageId, out var message))
            {
                ApplyMessage(message, done.EventId);
                applied.Add(message.Id);
            }
            else Apply(command, done.EventId, request.Identity);
            // The command's summary/details (the UI shows them) go on the event it wrote.
            if (command.UserMetadata is { } metadata && NewEvents.Count > firstNew) NewEvents[firstNew].UserMetadata = metadata;
        }
        if (State.IsRunning) FinishMessages(request, applied, done.EventId);
        FlushBuffered();
        if (request.ForceCreateNewWorkflowTask) ScheduleWorkflowTask();
        return null;
    }

    void Apply(Command command, long completedId, string identity)
    {
        switch (command.CommandType)
        {
            case CommandType.ScheduleActivityTask: ScheduleActivity(command.ScheduleActivityTaskCommandAttributes, completedId); break;
            case CommandType.RequestCancelActivityTask: RequestCancelActivity(command.RequestCancelActivityTaskCommandAttributes.ScheduledEventId, completedId); break;
            case CommandType.StartTimer: StartTimer(command.StartTimerCommandAttributes, completedId); break;
            case CommandType.CancelTimer: CancelTimer(command.CancelTimerCommandAttributes.TimerId, completedId, identity); break;
            case CommandType.RecordMarker:
                {
                    var a = command.RecordMarkerCommandAttributes;
                    Append(Event(EventType.MarkerRecorded, e => e.MarkerRecordedEventAttributes = new()
                    {
                        MarkerName = a.MarkerName,
                        Header = a.Header,
                        Failure = a.Failure,
                        Details = { a.Details },
                        WorkflowTaskCompletedEventId = completedId,
                    }));
                    break;
                }
            case CommandType.UpsertWorkflowSearchAttributes:
                {
                    var attributes = command.UpsertWorkflowSearchAttributesCommandAttributes.SearchAttributes;
                    Append(Event(EventType.UpsertWorkflowSearchAttributes, e => e.UpsertWorkflowSearchAttributesEventAttributes = new() { SearchAttributes = attributes, WorkflowTaskCompletedEventId = completedId }));
                    Merge(State.SearchAttributes.IndexedFields, attributes.IndexedFields);
                    break;
                }
            case CommandType.ModifyWorkflowProperties:
                {
                    var memo = command.ModifyWorkflowPropertiesCommandAttributes.UpsertedMemo;
                    Append(Event(EventType.WorkflowPropertiesModified, e => e.WorkflowPropertiesModifiedEventAttributes = new() { UpsertedMemo = memo, WorkflowTaskCompletedEventId = completedId }));
                    if (memo is not null) Merge(State.Memo.Fields, memo.Fields);
                    break;
                }
            case CommandType.StartChildWorkflowExecution: InitiateChild(command.StartChildWorkflowExecutionCommandAttributes, completedId, command.UserMetadata); break;
            case CommandType.SignalExternalWorkflowExecution:
                {
                    var a = command.SignalExternalWorkflowExecutionCommandAttributes;
                    var initiated = new SignalExternalWorkflowExecutionInitiatedEventAttributes
                    {
                        Namespace = State.Namespace,
                        WorkflowExecution = a.Execution,
                        SignalName = a.SignalName,
                        Input = a.Input,
                        ChildWorkflowOnly = a.ChildWorkflowOnly,
                        Header = a.Header,
                        WorkflowTaskCompletedEventId = completedId,
                    };
                    var e = Append(Event(EventType.SignalExternalWorkflowExecutionInitiated, e => e.SignalExternalWorkflowExecutionInitiatedEventAttributes = initiated));
                    Timer(TimeSpan.Zero, TimerKind.SignalExternal, e.EventId, 0, initiated);
                    break;
                }
            case CommandType.RequestCancelExternalWorkflowExecution:
                {
                    var a = command.RequestCancelExternalWorkflowExecutionCommandAttributes;
                    var initiated = new RequestCancelExternalWorkflowExecutionInitiatedEventAttributes
                    {
                        Namespace = State.Namespace,
                        WorkflowExecution = new WorkflowExecution { WorkflowId = a.WorkflowId, RunId = a.RunId },
                        ChildWorkflowOnly = a.ChildWorkflowOnly,
                        Reason = a.Reason,
                        WorkflowTaskCompletedEventId = completedId,
                    };
                    var e = Append(Event(EventType.RequestCancelExternalWorkflowExecutionInitiated, e => e.RequestCancelExternalWorkflowExecutionInitiatedEventAttributes = initiated));
                    Timer(TimeSpan.Zero, TimerKind.CancelExternal, e.EventId, 0, initiated);
                    break;
                }
            case CommandType.CompleteWorkflowExecution or CommandType.FailWorkflowExecution or CommandType.CancelWorkflowExecution:
                {
                    var (e, status) = ClosingEvent(command, completedId);
                    Close(e, status);
                    break;
                }
            case CommandType.ContinueAsNewWorkflowExecution: ContinueAsNew(command.ContinueAsNewWorkflowExecutionCommandAttributes, completedId); break;
            default:
                // Nexus operations are not supported: the workflow sees no answer.
                break;
        }
    }

    /// <summary>The event and status of a command that closes the run (other than continue-as-new).</summary>
    static (HistoryEvent, WorkflowExecutionStatus) ClosingEvent(Command c, long completedId) => c.CommandType switch
    {
        CommandType.CompleteWorkflowExecution => (Event(EventType.WorkflowExecutionCompleted, e => e.WorkflowExecutionCompletedEventAttributes =
            new() { Result = c.CompleteWorkflowExecutionCommandAttributes.Result, WorkflowTaskCompletedEventId = completedId }), WorkflowExecutionStatus.Completed),
        CommandType.FailWorkflowExecution => (Event(EventType.WorkflowExecutionFailed, e => e.WorkflowExecutionFailedEventAttributes =
            new() { Failure = c.FailWorkflowExecutionCommandAttributes.Failure, WorkflowTaskCompletedEventId = completedId }), WorkflowExecutionStatus.Failed),
        _ => (Event(EventType.WorkflowExecutionCanceled, e => e.WorkflowExecutionCanceledEventAttributes =
            new() { Details = c.CancelWorkflowExecutionCommandAttributes.Details, WorkflowTaskCompletedEventId = completedId }), WorkflowExecutionStatus.Canceled),
    };

    /// <summary>A command's event: <paramref name="type"/> with the attributes <paramref name="set"/> fills in.</summary>
    static HistoryEvent Event(EventType type, Action<HistoryEvent> set)
    {
        var e = Event(type);
        set(e);
        return e;
    }

    static void Merge(Google.Protobuf.Collections.MapField<string, Payload> into, Google.Protobuf.Collections.MapField<string, Payload> from)
    {
        foreach (var (key, value) in from)
        {
            // An empty payload (no data) removes the key, as in Temporal.
            if (value.Data.IsEmpty) into.Remove(key);
            else into[key] = value;
        }
    }

    // ---------------------------------------------------------------- timers

    void StartTimer(StartTimerCommandAttributes a, long completedId)
    {
        var e = Event(EventType.TimerStarted);
        e.TimerStartedEventAttributes = new() { TimerId = a.TimerId, StartToFireTimeout = a.StartToFireTimeout, WorkflowTaskCompletedEventId = completedId };
        Append(e);
        State.Timers[a.TimerId] = e.EventId;
        Timer(a.StartToFireTimeout.ToTimeSpan(), TimerKind.UserTimer, e.EventId, 0, new StringValue { Value = a.TimerId });
    }

    void CancelTimer(string timerId, long completedId, string identity)
    {
        if (!State.Timers.Remove(timerId, out var startedId)) return;
        var e = Event(EventType.TimerCanceled);
        e.TimerCanceledEventAttributes = new() { TimerId = timerId, StartedEventId = startedId, WorkflowTaskCompletedEventId = completedId, Identity = identity };
        Append(e);
    }

    public void FireTimer(string timerId, long startedEventId)
    {
        if (!State.Timers.TryGetValue(timerId, out var current) || current != startedEventId) return;
        State.Timers.Remove(timerId);
        var e = Event(EventType.TimerFired);
        e.TimerFiredEventAttributes = new() { TimerId = timerId, StartedEventId = startedEventId };
        AddExternal(e);
    }

    // ---------------------------------------------------------------- children

    void InitiateChild(StartChildWorkflowExecutionCommandAttributes a, long completedId, Temporalio.Api.Sdk.V1.UserMetadata? metadata)
    {
        var e = Event(EventType.StartChildWorkflowExecutionInitiated);
        var initiated = e.StartChildWorkflowExecutionInitiatedEventAttributes = new()
        {
            Namespace = State.Namespace,
            WorkflowId = a.WorkflowId,
            WorkflowType = a.WorkflowType,
            TaskQueue = string.IsNullOrEmpty(a.TaskQueue?.Name) ? new TaskQueue { Name = State.TaskQueue, Kind = TaskQueueKind.Normal } : a.TaskQueue,
            Input = a.Input,
            WorkflowExecutionTimeout = a.WorkflowExecutionTimeout,
            WorkflowRunTimeout = a.WorkflowRunTimeout,
            WorkflowTaskTimeout = a.WorkflowTaskTimeout,
            ParentClosePolicy = a.ParentClosePolicy,
            WorkflowTaskCompletedEventId = completedId,
            WorkflowIdReusePolicy = a.WorkflowIdReusePolicy,
            RetryPolicy = a.RetryPolicy,
            CronSchedule = a.CronSchedule,
            Header = a.Header,
            Memo = a.Memo,
            SearchAttributes = a.SearchAttributes,
            Priority = a.Priority,
        };
        Append(e);
        State.Children[e.EventId] = new PendingChild
        {
            Namespace = initiated.Namespace,
            WorkflowId = a.WorkflowId,
            WorkflowType = a.WorkflowType.Name,
            ParentClosePolicy = a.ParentClosePolicy,
            UserMetadata = metadata,
        };
        Timer(TimeSpan.Zero, TimerKind.StartChild, e.EventId, 0, initiated);
    }

    /// <summary>The child's first run: WorkflowExecutionStarted with its parent, as the parent's server-side work creates it.</summary>
    public WorkflowRun StartChild(StartChildWorkflowExecutionInitiatedEventAttributes a, long initiatedId, string childRunId)
    {
        var started = new WorkflowExecutionStartedEventAttributes
        {
            WorkflowType = a.WorkflowType,
            TaskQueue = a.TaskQueue.Clone(),
            Input = a.Input,
            Header = a.Header,
            WorkflowExecutionTimeout = a.WorkflowExecutionTimeout,
            WorkflowRunTimeout = a.WorkflowRunTimeout,
            WorkflowTaskTimeout = a.WorkflowTaskTimeout,
            RetryPolicy = a.RetryPolicy,
            CronSchedule = a.CronSchedule,
            Memo = a.Memo,
            SearchAttributes = a.SearchAttributes,
            ParentWorkflowNamespace = State.Namespace,
            ParentWorkflowExecution = State.Execution,
            ParentInitiatedEventId = initiatedId,
            RootWorkflowExecution = State.Started.RootWorkflowExecution ?? State.Execution,
            Priority = a.Priority,
            Identity = "",
        };
        var child = Start(a.Namespace, a.WorkflowId, childRunId, started, requestId: null, WorkflowCron.FirstBackoff(a.CronSchedule), userMetadata: State.Children[initiatedId].UserMetadata);
        State.Children[initiatedId].RunId = childRunId;
        var e = Event(EventType.ChildWorkflowExecutionStarted);
        e.ChildWorkflowExecutionStartedEventAttributes = new()
        {
            Namespace = a.Namespace,
            InitiatedEventId = initiatedId,
            WorkflowType = a.WorkflowType,
            Header = a.Header,
            WorkflowExecution = new WorkflowExecution { WorkflowId = a.WorkflowId, RunId = childRunId },
        };
        AddExternal(e);
        return child;
    }

    public void FailToStartChild(StartChildWorkflowExecutionInitiatedEventAttributes a, long initiatedId)
    {
        State.Children.Remove(initiatedId);
        var e = Event(EventType.StartChildWorkflowExecutionFailed);
        e.StartChildWorkflowExecutionFailedEventAttributes = new()
        {
            Namespace = a.Namespace,
            WorkflowId = a.WorkflowId,
            WorkflowType = a.WorkflowType,
            InitiatedEventId = initiatedId,
            Cause = StartChildWorkflowExecutionFailedCause.WorkflowAlreadyExists,
            WorkflowTaskCompletedEventId = a.WorkflowTaskCompletedEventId,
        };
        AddExternal(e);
    }

    public bool IsChildPending(long initiatedId) => State.IsRunning && State.Children.TryGetValue(initiatedId, out var child) && child.RunId is null;

    /// <summary>The parent's ChildWorkflowExecution* event, from the parent's server-side work after the child closed.</summary>
    public void RecordChildClosed(HistoryEvent childClosed, long initiatedId)
    {
        if (!State.Children.ContainsKey(initiatedId)) return;
        AddExternal(childClosed);
    }
}
