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
    void ScheduleActivity(ScheduleActivityTaskCommandAttributes a, long completedId)
    {
        // Temporal's normalisation: start-to-close defaults to schedule-to-close and vice versa; schedule-to-start to
        // schedule-to-close. Retry policies arrive partly filled: 1 s, ×2, maximum 100× the initial interval.
        var scheduleToClose = Positive(a.ScheduleToCloseTimeout);
        var startToClose = Positive(a.StartToCloseTimeout) ?? scheduleToClose;
        var retry = FillRetryDefaults(a.RetryPolicy);
        var e = Event(EventType.ActivityTaskScheduled);
        var scheduled = e.ActivityTaskScheduledEventAttributes = new()
        {
            ActivityId = a.ActivityId,
            ActivityType = a.ActivityType,
            TaskQueue = string.IsNullOrEmpty(a.TaskQueue?.Name) ? new TaskQueue { Name = State.TaskQueue, Kind = TaskQueueKind.Normal } : a.TaskQueue,
            Header = a.Header,
            Input = a.Input,
            ScheduleToCloseTimeout = scheduleToClose is { } s2c ? Duration.FromTimeSpan(s2c) : null,
            ScheduleToStartTimeout = Positive(a.ScheduleToStartTimeout) is { } s2s ? Duration.FromTimeSpan(s2s) : a.ScheduleToCloseTimeout,
            StartToCloseTimeout = startToClose is { } stc ? Duration.FromTimeSpan(stc) : null,
            HeartbeatTimeout = a.HeartbeatTimeout,
            WorkflowTaskCompletedEventId = completedId,
            RetryPolicy = retry,
            Priority = a.Priority,
        };
        Append(e);
        var now = Now;
        State.Activities[e.EventId] = new PendingActivity { ScheduledEventId = e.EventId, Scheduled = scheduled, FirstScheduledTime = now, AttemptScheduledTime = now };
        Task(scheduled.TaskQueue.Name, TaskKind.Activity, e.EventId, 1);
        if (Positive(scheduled.ScheduleToStartTimeout) is { } toStart) Timer(toStart, TimerKind.ActivityScheduleToStart, e.EventId, 1);
        if (scheduleToClose is { } toClose) Timer(toClose, TimerKind.ActivityScheduleToClose, e.EventId, 0);
    }

    public static RetryPolicy FillRetryDefaults(RetryPolicy? given)
    {
        var retry = given?.Clone() ?? new RetryPolicy();
        if (Positive(retry.InitialInterval) is null) retry.InitialInterval = Duration.FromTimeSpan(TimeSpan.FromSeconds(1));
        if (retry.BackoffCoefficient < 1) retry.BackoffCoefficient = 2;
        if (Positive(retry.MaximumInterval) is null) retry.MaximumInterval = Duration.FromTimeSpan(retry.InitialInterval.ToTimeSpan() * 100);
        return retry;
    }

    public PendingActivity? FindActivity(long scheduledEventId, int attempt) =>
        State.IsRunning && State.Activities.TryGetValue(scheduledEventId, out var activity) && (attempt == 0 || activity.Attempt == attempt) ? activity : null;

    public PendingActivity? FindActivity(string activityId) =>
        State.IsRunning ? State.Activities.Values.FirstOrDefault(a => a.Scheduled.ActivityId == activityId) : null;

    public void StartActivity(PendingActivity activity, string identity)
    {
        activity.Running = true;
        activity.Identity = identity;
        activity.StartedTime = Now;
        activity.LastHeartbeatTime = null;
        if (Positive(activity.Scheduled.StartToCloseTimeout) is { } toClose) Timer(toClose, TimerKind.ActivityStartToClose, activity.ScheduledEventId, activity.Attempt);
        if (Positive(activity.Scheduled.HeartbeatTimeout) is { } heartbeat) Timer(heartbeat, TimerKind.ActivityHeartbeat, activity.ScheduledEventId, activity.Attempt);
    }

    public void RecordHeartbeat(PendingActivity activity, Payloads? details)
    {
        activity.HeartbeatDetails = details;
        activity.LastHeartbeatTime = Now;
    }

    /// <summary>The heartbeat timer fired: a timeout if no heartbeat came in time, else the timer is set again.</summary>
    public void CheckHeartbeat(PendingActivity activity)
    {
        var timeout = activity.Scheduled.HeartbeatTimeout.ToTimeSpan();
        var last = activity.LastHeartbeatTime ?? activity.StartedTime ?? Now;
        if (last + timeout > Now) Timer(last + timeout - Now, TimerKind.ActivityHeartbeat, activity.ScheduledEventId, activity.Attempt);
        else TimeOutActivity(activity, TimeoutType.Heartbeat);
    }

    /// <summary>ActivityTaskStarted (written only now, with the attempt and last failure) and the closing event.</summary>
    void CloseActivity(PendingActivity activity, HistoryEvent result)
    {
        State.Activities.Remove(activity.ScheduledEventId);
        var events = new List<HistoryEvent>();
        if (activity.Running)
        {
            var started = Event(EventType.ActivityTaskStarted);
            started.ActivityTaskStartedEventAttributes = new()
            {
                ScheduledEventId = activity.ScheduledEventId,
                Identity = activity.Identity ?? "",
                RequestId = Guid.NewGuid().ToString(),
                Attempt = activity.Attempt,
                LastFailure = activity.LastFailure,
            };
            events.Add(started);
        }
        events.Add(result);
        if (State.WorkflowTask.StartedEventId != 0)
        {
            State.Buffered.AddRange(events);
            return;
        }
        foreach (var e in events) Append(e);
        ScheduleWorkflowTask();
    }

    long StartedIdPlaceholder(PendingActivity activity) => activity.Running ? -1 : 0;

    public void CompleteActivity(PendingActivity activity, Payloads? result, string identity)
    {
        var e = Event(EventType.ActivityTaskCompleted);
        e.ActivityTaskCompletedEventAttributes = new() { Result = result, ScheduledEventId = activity.ScheduledEventId, StartedEventId = StartedIdPlaceholder(activity), Identity = identity ?? "" };
        CloseActivity(activity, e);
    }

    public void CancelActivity(PendingActivity activity, Payloads? details, string identity)
    {
        // A worker cancels an attempt on its own only because the activity was paused: the attempt failed, held for unpausing.
        if (activity.Paused && !activity.CancelRequested && activity.Running)
        {
            RetryOrGiveUp(activity, new Failure { Message = "activity paused", CanceledFailureInfo = new() { Details = details } });
            return;
        }
        var e = Event(EventType.ActivityTaskCanceled);
        e.ActivityTaskCanceledEventAttributes = new()
        {
            Details = details,
            ScheduledEventId = activity.ScheduledEventId,
            StartedEventId = StartedIdPlaceholder(activity),
            Identity = identity ?? "",
            LatestCancelRequestedEventId = activity.CancelRequestedEventId,
        };
        CloseActivity(activity, e);
    }

    void RequestCancelActivity(long scheduledEventId, long completedId)
    {
        if (!State.Activities.TryGetValue(scheduledEventId, out var activity)) return;
        var e = Event(EventType.ActivityTaskCancelRequested);
        e.ActivityTaskCancelRequestedEventAttributes = new() { ScheduledEventId = scheduledEventId, WorkflowTaskCompletedEventId = completedId };
        Append(e);
        activity.CancelRequested = true;
        activity.CancelRequestedEventId = e.EventId;
        // Not yet started (or waiting for a retry): nobody to ask, so it is canceled at once.
        if (!activity.Running) CancelActivity(activity, null, "");
    }

    /// <summary>A failed attempt: retried after a backoff unless non-retryable, out of attempts or past schedule-to-close.</summary>
    public void FailActivity(PendingActivity activity, Failure failure, Payloads? lastHeartbeatDetails, string identity)
    {
        if (lastHeartbeatDetails is not null) activity.HeartbeatDetails = lastHeartbeatDetails;
        var retryState = RetryOrGiveUp(activity, failure);
        if (retryState == RetryState.InProgress) return;
        var e = Event(EventType.ActivityTaskFailed);
        e.ActivityTaskFailedEventAttributes = new()
        {
            Failure = failure,
            ScheduledEventId = activity.ScheduledEventId,
            StartedEventId = StartedIdPlaceholder(activity),
            Identity = identity ?? "",
            RetryState = retryState,
        };
        CloseActivity(activity, e);
    }

    public void TimeOutActivity(PendingActivity activity, TimeoutType type)
    {
        var failure = new Failure
        {
            Message = $"activity {TimeoutName(type)} timeout",
            TimeoutFailureInfo = new() { TimeoutType = type, LastHeartbeatDetails = activity.HeartbeatDetails },
        };
        // Schedule-to-start and schedule-to-close timeouts are final; the others are retried like failures.
        var retryState = type is TimeoutType.ScheduleToStart or TimeoutType.ScheduleToClose ? RetryState.Timeout : RetryOrGiveUp(activity, failure);
        if (retryState == RetryState.InProgress) return;
        var e = Event(EventType.ActivityTaskTimedOut);
        e.ActivityTaskTimedOutEventAttributes = new()
        {
            Failure = failure,
            ScheduledEventId = activity.ScheduledEventId,
            StartedEventId = StartedIdPlaceholder(activity),
            RetryState = retryState,
        };
        CloseActivity(activity, e);
    }

    static string TimeoutName(TimeoutType type) => type switch
    {
        TimeoutType.StartToClose => "StartToClose",
        TimeoutType.ScheduleToStart => "ScheduleToStart",
        TimeoutType.ScheduleToClose => "ScheduleToClose",
        _ => "Heartbeat",
    };

    RetryState RetryOrGiveUp(PendingActivity activity, Failure failure)
    {
        var retry = activity.Scheduled.RetryPolicy;
        var type = failure.ApplicationFailureInfo?.Type;
        if (failure.ApplicationFailureInfo?.NonRetryable == true || (type is not null && retry.NonRetryableErrorTypes.Contains(type)))
            return RetryState.NonRetryableFailure;
        if (activity.ResetRequested)
        {
            activity.ResetRequested = false;
            activity.Attempt = 0;
        }
        // A paused activity's failed attempt is held for UnpauseActivity whatever the attempt count.
        if (retry.MaximumAttempts > 0 && activity.Attempt >= retry.MaximumAttempts && !activity.Paused) return RetryState.MaximumAttemptsReached;
        var backoff = failure.ApplicationFailureInfo?.NextRetryDelay is { } explicitDelay && explicitDelay.ToTimeSpan() > TimeSpan.Zero
            ? explicitDelay.ToTimeSpan()
            : Backoff(retry, activity.Attempt);
        if (Positive(activity.Scheduled.ScheduleToCloseTimeout) is { } toClose && Now + backoff >= activity.FirstScheduledTime + toClose && !activity.Paused)
            return RetryState.Timeout;
        activity.Attempt++;
        activity.Running = false;
        activity.LastFailure = failure;
        activity.LastWorkerIdentity = activity.Identity;
        activity.AttemptScheduledTime = Now + backoff;
        // A paused activity's next attempt waits for UnpauseActivity instead of a backoff.
        if (!activity.Paused) Timer(backoff, TimerKind.ActivityRetry, activity.ScheduledEventId, activity.Attempt);
        return RetryState.InProgress;
    }

    public static TimeSpan Backoff(RetryPolicy retry, int attempt)
    {
        var seconds = retry.InitialInterval.ToTimeSpan().TotalSeconds * Math.Pow(retry.BackoffCoefficient, attempt - 1);
        var max = retry.MaximumInterval.ToTimeSpan();
        return seconds >= max.TotalSeconds ? max : TimeSpan.FromSeconds(seconds);
    }

    /// <summary>The retry backoff ended: the next attempt goes to the task queue, and its schedule-to-start clock starts.</summary>
    public void DispatchActivityRetry(PendingActivity activity)
    {
        Task(activity.Scheduled.TaskQueue.Name, TaskKind.Activity, activity.ScheduledEventId, activity.Attempt);
        if (Positive(activity.Scheduled.ScheduleToStartTimeout) is { } toStart) Timer(toStart, TimerKind.ActivityScheduleToStart, activity.ScheduledEventId, activity.Attempt);
    }

    // ---------------------------------------------------------------- operator actions: pause, unpause, reset

    /// <summary>PauseActivity: no further attempt starts; a running attempt is told through its heartbeat responses.</summary>
    public void PauseActivity(PendingActivity activity, string reason, string identity)
    {
        if (activity.Paused) return;
        activity.Paused = true;
        activity.PauseInfo = new() { PauseTime = Timestamp.FromDateTime(Now), Manual = new() { Identity = identity, Reason = reason } };
        Notifications.Add(Storage.Notifications.RunKey(State.RunId));
    }

    /// <summary>UnpauseActivity: a held attempt is dispatched now; optionally from attempt 1 and without heartbeat details.</summary>
    public void UnpauseActivity(PendingActivity activity, bool resetAttempts, bool resetHeartbeat)
    {
        if (!activity.Paused) return;
        activity.Paused = false;
        activity.PauseInfo = null;
        if (resetHeartbeat) activity.HeartbeatDetails = null;
        // A running attempt goes on (its worker may not have seen the pause yet).
        if (activity.Running) return;
        if (resetAttempts) activity.Attempt = 1;
        activity.AttemptScheduledTime = Now;
        DispatchActivityRetry(activity);
    }

    /// <summary>
    /// ResetActivity: attempts count from 1 again (a running attempt is told, and the next one is attempt 1); a
    /// waiting activity is dispatched at once; unpaused unless <paramref name="keepPaused"/>.
    /// </summary>
    public void ResetActivity(PendingActivity activity, bool resetHeartbeat, bool keepPaused)
    {
        if (resetHeartbeat) activity.HeartbeatDetails = null;
        if (!keepPaused)
        {
            activity.Paused = false;
            activity.PauseInfo = null;
        }
        if (activity.Running)
        {
            activity.ResetRequested = true;
            return;
        }
        activity.Attempt = 1;
        activity.AttemptScheduledTime = Now;
        if (!activity.Paused) DispatchActivityRetry(activity);
    }
}
