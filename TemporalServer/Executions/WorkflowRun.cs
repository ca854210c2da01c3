using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.Sdk.V1;
using Temporalio.Api.TaskQueue.V1;

namespace TemporalServer.Executions;

/// <summary>
/// One run being changed inside one database transaction: every transition appends the history events it implies
/// and records the tasks, timers and notifications to write with them (<see cref="ExecutionStore"/> saves it all
/// atomically). Transitions are named after the events they write, as in Temporal's own test server.
/// </summary>
sealed partial class WorkflowRun(RunState state, bool isNew)
{
    public RunState State { get; } = state;
    public bool IsNew { get; } = isNew;
    public List<HistoryEvent> NewEvents { get; } = [];
    public List<TaskRow> NewTasks { get; } = [];
    public List<TimerRow> NewTimers { get; } = [];
    /// <summary>Timers whose wait ended another way (a task completed in time): deleted, unless a timer processor holds them.</summary>
    public List<TimerRow> CancelledTimers { get; } = [];
    /// <summary>Tasks no poller should get any more (a sticky task moved to the normal queue): deleted, unless a poller holds them.</summary>
    public List<TaskRow> WithdrawnTasks { get; } = [];
    public HashSet<string> Notifications { get; } = [];
    /// <summary>Runs this transition created (continue-as-new, retry, cron): inserted after this one is saved.</summary>
    public List<WorkflowRun> NewRuns { get; } = [];

    static DateTime Now => DateTime.UtcNow;

    public static HistoryEvent Event(EventType type) => new() { EventType = type, EventTime = Timestamp.FromDateTime(Now) };

    // ---------------------------------------------------------------- history

    public HistoryEvent Append(HistoryEvent e)
    {
        e.EventId = State.NextEventId++;
        e.TaskId = e.EventId;
        // Activity results are written with their lazily written ActivityTaskStarted just before them.
        if (e.ActivityTaskCompletedEventAttributes is { StartedEventId: -1 } completed) completed.StartedEventId = e.EventId - 1;
        if (e.ActivityTaskFailedEventAttributes is { StartedEventId: -1 } failed) failed.StartedEventId = e.EventId - 1;
        if (e.ActivityTaskTimedOutEventAttributes is { StartedEventId: -1 } timedOut) timedOut.StartedEventId = e.EventId - 1;
        if (e.ActivityTaskCanceledEventAttributes is { StartedEventId: -1 } canceled) canceled.StartedEventId = e.EventId - 1;
        if (e.ChildWorkflowExecutionStartedEventAttributes is { } childStarted && State.Children.TryGetValue(childStarted.InitiatedEventId, out var child))
            child.StartedEventId = e.EventId;
        FixChildClosedStartedId(e);
        NewEvents.Add(e);
        State.HistorySizeBytes += e.CalculateSize();
        Notifications.Add(Storage.Notifications.RunKey(State.RunId));
        return e;
    }

    void FixChildClosedStartedId(HistoryEvent e)
    {
        var (initiated, set) = e.AttributesCase switch
        {
            HistoryEvent.AttributesOneofCase.ChildWorkflowExecutionCompletedEventAttributes => (e.ChildWorkflowExecutionCompletedEventAttributes.InitiatedEventId, (Action<long>)(id => e.ChildWorkflowExecutionCompletedEventAttributes.StartedEventId = id)),
            HistoryEvent.AttributesOneofCase.ChildWorkflowExecutionFailedEventAttributes => (e.ChildWorkflowExecutionFailedEventAttributes.InitiatedEventId, id => e.ChildWorkflowExecutionFailedEventAttributes.StartedEventId = id),
            HistoryEvent.AttributesOneofCase.ChildWorkflowExecutionCanceledEventAttributes => (e.ChildWorkflowExecutionCanceledEventAttributes.InitiatedEventId, id => e.ChildWorkflowExecutionCanceledEventAttributes.StartedEventId = id),
            HistoryEvent.AttributesOneofCase.ChildWorkflowExecutionTerminatedEventAttributes => (e.ChildWorkflowExecutionTerminatedEventAttributes.InitiatedEventId, id => e.ChildWorkflowExecutionTerminatedEventAttributes.StartedEventId = id),
            HistoryEvent.AttributesOneofCase.ChildWorkflowExecutionTimedOutEventAttributes => (e.ChildWorkflowExecutionTimedOutEventAttributes.InitiatedEventId, id => e.ChildWorkflowExecutionTimedOutEventAttributes.StartedEventId = id),
            _ => (0L, null),
        };
        if (set is null || !State.Children.Remove(initiated, out var child)) return;
        set(child.StartedEventId);
    }

    /// <summary>An event not caused by the worker's own completion (signal, timer, activity result…).</summary>
    public void AddExternal(HistoryEvent e)
    {
        if (!State.IsRunning) return;
        if (State.WorkflowTask.StartedEventId != 0)
        {
            State.Buffered.Add(e);
            return;
        }
        Append(e);
        ScheduleWorkflowTask();
    }

    void FlushBuffered()
    {
        if (State.Buffered.Count == 0) return;
        var buffered = State.Buffered.ToList();
        State.Buffered.Clear();
        foreach (var e in buffered) Append(e);
        ScheduleWorkflowTask();
    }

    void Timer(TimeSpan after, TimerKind kind, long scheduledEventId, int attempt, IMessage? payload = null, string? runId = null)
    {
        NewTimers.Add(new TimerRow(Now + (after < TimeSpan.Zero ? TimeSpan.Zero : after), runId ?? State.RunId, kind, scheduledEventId, attempt, payload?.ToByteArray()));
        // Timer processors look again within their longest sleep anyway: waking them for every task's timeout cost
        // two transactions per task.
        if (after < Timers.TimerProcessor.LongestSleep) Notifications.Add(Storage.Notifications.TimersKey);
    }

    /// <summary>Drops this run's timer of <paramref name="kind"/> for that event and attempt (it would fire as a no-op).</summary>
    public void CancelTimer(TimerKind kind, long scheduledEventId, int attempt) =>
        CancelledTimers.Add(new TimerRow(default, State.RunId, kind, scheduledEventId, attempt));

    void Task(string taskQueue, TaskKind kind, long scheduledEventId, int attempt)
    {
        NewTasks.Add(new TaskRow(State.Namespace, taskQueue, kind, State.RunId, scheduledEventId, attempt));
        Notifications.Add(Storage.Notifications.TaskQueueKey(State.Namespace, taskQueue, kind));
    }

    static TimeSpan? Positive(Duration? d) => d is null || d.ToTimeSpan() <= TimeSpan.Zero ? null : d.ToTimeSpan();

    // ---------------------------------------------------------------- start

    /// <summary>A new run: WorkflowExecutionStarted, then its first workflow task (now, or after a backoff).</summary>
    public static WorkflowRun Start(string ns, string workflowId, string runId, WorkflowExecutionStartedEventAttributes started,
        string? requestId, TimeSpan firstTaskBackoff, IEnumerable<HistoryEvent>? alsoAppend = null, UserMetadata? userMetadata = null)
    {
        if (Positive(started.WorkflowTaskTimeout) is null) started.WorkflowTaskTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(10));
        started.TaskQueue.Kind = TaskQueueKind.Normal;
        started.OriginalExecutionRunId = runId;
        if (string.IsNullOrEmpty(started.FirstExecutionRunId)) started.FirstExecutionRunId = runId;
        if (started.Attempt == 0) started.Attempt = 1;
        if (firstTaskBackoff > TimeSpan.Zero) started.FirstWorkflowTaskBackoff = Duration.FromTimeSpan(firstTaskBackoff);
        var runTimeout = Positive(started.WorkflowRunTimeout) ?? Positive(started.WorkflowExecutionTimeout);
        if (runTimeout is { } rt && Positive(started.WorkflowExecutionTimeout) is { } et && et < rt) runTimeout = et;
        var now = Now;
        var execution = new WorkflowRun(new RunState
        {
            Namespace = ns,
            WorkflowId = workflowId,
            RunId = runId,
            Started = started,
            StartRequestId = requestId,
            StartTime = now,
            ExecutionTime = now + firstTaskBackoff,
            SearchAttributes = started.SearchAttributes?.Clone() ?? new(),
            Memo = started.Memo?.Clone() ?? new(),
            UserMetadata = userMetadata,
        }, isNew: true);
        var e = Event(EventType.WorkflowExecutionStarted);
        e.WorkflowExecutionStartedEventAttributes = started;
        execution.Append(e);
        foreach (var extra in alsoAppend ?? []) execution.Append(extra);
        if (runTimeout is { } timeout) execution.Timer(firstTaskBackoff + timeout, TimerKind.WorkflowRunTimeout, 0, 0);
        if (firstTaskBackoff > TimeSpan.Zero) execution.Timer(firstTaskBackoff, TimerKind.FirstWorkflowTask, 0, 0);
        else execution.ScheduleWorkflowTask();
        return execution;
    }

    // ---------------------------------------------------------------- workflow tasks

    public void ScheduleWorkflowTask()
    {
        var task = State.WorkflowTask;
        if (!State.IsRunning || task.ScheduledEventId != 0) return;
        var sticky = State.StickyQueue;
        var e = Event(EventType.WorkflowTaskScheduled);
        e.WorkflowTaskScheduledEventAttributes = new()
        {
            TaskQueue = sticky is null
                ? new TaskQueue { Name = State.TaskQueue, Kind = TaskQueueKind.Normal }
                : new TaskQueue { Name = sticky, Kind = TaskQueueKind.Sticky, NormalName = State.TaskQueue },
            StartToCloseTimeout = State.Started.WorkflowTaskTimeout,
            Attempt = task.Attempt,
        };
        Append(e);
        task.ScheduledEventId = e.EventId;
        task.ScheduledTime = Now;
        if (sticky is not null)
        {
            // The worker that ran the last task has the run cached: it gets only the new events if it polls in time.
            task.StickyQueue = sticky;
            Task(sticky, TaskKind.Workflow, e.EventId, task.Attempt);
            Timer(State.StickyScheduleToStartTimeout, TimerKind.StickyScheduleToStart, e.EventId, task.Attempt, new StringValue { Value = sticky });
        }
        else Task(State.TaskQueue, TaskKind.Workflow, e.EventId, task.Attempt);
    }

    /// <summary>Whether the scheduled task may start from the queue it was taken from (<paramref name="stickyQueue"/>, null for the normal one).</summary>
    public bool CanStartWorkflowTask(long scheduledEventId, string? stickyQueue) =>
        State.IsRunning && State.WorkflowTask.ScheduledEventId == scheduledEventId && State.WorkflowTask.StartedEventId == 0
        && State.WorkflowTask.StickyQueue == stickyQueue;

    /// <summary>The worker asked for its sticky queue (or for none) when it completed a workflow task.</summary>
    public void SetStickyQueue(StickyExecutionAttributes? sticky)
    {
        State.StickyQueue = string.IsNullOrEmpty(sticky?.WorkerTaskQueue?.Name) ? null : sticky.WorkerTaskQueue.Name;
        State.StickyScheduleToStartTimeout = Positive(sticky?.ScheduleToStartTimeout) ?? TimeSpan.FromSeconds(5);
    }

    /// <summary>The sticky queue's schedule-to-start timer fired: a task still waiting there goes to the normal queue.</summary>
    public void StickyTaskTimedOut(long scheduledEventId, int attempt)
    {
        var task = State.WorkflowTask;
        if (task.ScheduledEventId == scheduledEventId && task.Attempt == attempt && task.StartedEventId == 0 && task.StickyQueue is not null) LeaveStickyQueue();
    }

    /// <summary>
    /// Stickiness ends (the sticky task waited too long, the worker failed a task or asked for it): a task waiting
    /// on the sticky queue moves to the normal queue, where a poller gets the full history.
    /// </summary>
    public void LeaveStickyQueue()
    {
        State.StickyQueue = null;
        var task = State.WorkflowTask;
        if (task.StickyQueue is not { } sticky || task.StartedEventId != 0) return;
        WithdrawnTasks.Add(new TaskRow(State.Namespace, sticky, TaskKind.Workflow, State.RunId, task.ScheduledEventId, task.Attempt));
        task.StickyQueue = null;
        Task(State.TaskQueue, TaskKind.Workflow, task.ScheduledEventId, task.Attempt);
    }

    /// <summary>WorkflowTaskStarted, with the history size the SDK reports to the workflow and whether to continue as new.</summary>
    public void StartWorkflowTask(string identity, int suggestContinueAsNewAfter)
    {
        var task = State.WorkflowTask;
        var e = Event(EventType.WorkflowTaskStarted);
        e.WorkflowTaskStartedEventAttributes = new()
        {
            ScheduledEventId = task.ScheduledEventId,
            Identity = identity,
            RequestId = Guid.NewGuid().ToString(),
            HistorySizeBytes = State.HistorySizeBytes,
            SuggestContinueAsNew = State.NextEventId > suggestContinueAsNewAfter,
        };
        Append(e);
        task.StartedEventId = e.EventId;
        task.StartedTime = Now;
        Timer(State.Started.WorkflowTaskTimeout.ToTimeSpan(), TimerKind.WorkflowTaskTimeout, task.ScheduledEventId, task.Attempt);
    }

    public bool IsStartedWorkflowTask(long scheduledEventId, int attempt) =>
        State.IsRunning && State.WorkflowTask.ScheduledEventId == scheduledEventId && State.WorkflowTask.StartedEventId != 0 && State.WorkflowTask.Attempt == attempt;

    /// <summary>WorkflowTaskFailed or WorkflowTaskTimedOut: the next attempt is scheduled with the buffered events before it.</summary>
    void EndWorkflowTaskUnsuccessfully(HistoryEvent e, bool countsAsAttempt)
    {
        // The worker's cached state is suspect: the next attempt replays the full history from the normal queue.
        State.StickyQueue = null;
        Append(e);
        var task = State.WorkflowTask;
        State.WorkflowTask = new WorkflowTaskState { Attempt = countsAsAttempt ? task.Attempt + 1 : 1 };
        FlushBuffered();
        ScheduleWorkflowTask();
    }

    public void FailWorkflowTask(WorkflowTaskFailedCause cause, Failure? failure, string identity)
    {
        var e = Event(EventType.WorkflowTaskFailed);
        e.WorkflowTaskFailedEventAttributes = new()
        {
            ScheduledEventId = State.WorkflowTask.ScheduledEventId,
            StartedEventId = State.WorkflowTask.StartedEventId,
            Cause = cause,
            Failure = failure,
            Identity = identity,
        };
        EndWorkflowTaskUnsuccessfully(e, countsAsAttempt: cause != WorkflowTaskFailedCause.UnhandledCommand);
    }

    public void TimeOutWorkflowTask()
    {
        var e = Event(EventType.WorkflowTaskTimedOut);
        e.WorkflowTaskTimedOutEventAttributes = new()
        {
            ScheduledEventId = State.WorkflowTask.ScheduledEventId,
            StartedEventId = State.WorkflowTask.StartedEventId,
            TimeoutType = TimeoutType.StartToClose,
        };
        EndWorkflowTaskUnsuccessfully(e, countsAsAttempt: true);
    }

    // ---------------------------------------------------------------- signals, cancellation, termination

    public void Signal(string name, Payloads? input, Header? header, string identity, WorkflowExecution? externalSource = null)
    {
        var e = Event(EventType.WorkflowExecutionSignaled);
        e.WorkflowExecutionSignaledEventAttributes = new() { SignalName = name, Input = input, Header = header, Identity = identity ?? "", ExternalWorkflowExecution = externalSource };
        AddExternal(e);
    }

    public void RequestCancel(string reason, string identity, WorkflowExecution? externalSource = null, long externalInitiatedId = 0)
    {
        if (State.CancelRequested) return;
        State.CancelRequested = true;
        var e = Event(EventType.WorkflowExecutionCancelRequested);
        e.WorkflowExecutionCancelRequestedEventAttributes = new()
        {
            Cause = reason ?? "",
            Identity = identity ?? "",
            ExternalWorkflowExecution = externalSource,
            ExternalInitiatedEventId = externalInitiatedId,
        };
        AddExternal(e);
    }

    /// <summary>WorkflowExecutionTerminated; <paramref name="replaced"/> when a reset run takes over the workflow.</summary>
    public void Terminate(string reason, Payloads? details, string identity, bool replaced = false)
    {
        // A task in flight is abandoned (its completion gets NotFound); what it had buffered still goes in first.
        foreach (var buffered in State.Buffered) Append(buffered);
        State.Buffered.Clear();
        var e = Event(EventType.WorkflowExecutionTerminated);
        e.WorkflowExecutionTerminatedEventAttributes = new() { Reason = reason ?? "", Details = details, Identity = identity ?? "" };
        Close(e, WorkflowExecutionStatus.Terminated, replaced);
    }
}
