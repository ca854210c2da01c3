using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Enums.V1;

namespace TemporalServer.Executions;

/// <summary>A command of a workflow task that Temporal would refuse: the cause it fails the task with and why.</summary>
sealed record BadCommand(WorkflowTaskFailedCause Cause, string Message)
{
    /// <summary>What the worker's RespondWorkflowTaskCompleted is told (INVALID_ARGUMENT), as Temporal words it.</summary>
    public string ErrorMessage => $"{Cause}: {Message}";
}

/// <summary>
/// Temporal's checks of a completed workflow task's command attributes, made before any command is applied: a missing
/// id, type or timeout fails the whole task with the command's WORKFLOW_TASK_FAILED_CAUSE_BAD_*_ATTRIBUTES and a
/// message naming the field, instead of a run that waits forever on an activity nobody can take. Empty task queues
/// are not refused: they default to the workflow's own, as in Temporal.
/// </summary>
static class CommandValidation
{
    public static BadCommand? FindBad(IEnumerable<Command> commands) =>
        commands.Select(Check).FirstOrDefault(bad => bad is not null);

    static BadCommand? Check(Command command) => command.CommandType switch
    {
        CommandType.ScheduleActivityTask => ScheduleActivity(command.ScheduleActivityTaskCommandAttributes),
        CommandType.StartTimer => StartTimer(command.StartTimerCommandAttributes),
        CommandType.CancelTimer when string.IsNullOrEmpty(command.CancelTimerCommandAttributes?.TimerId) =>
            new(WorkflowTaskFailedCause.BadCancelTimerAttributes, "TimerId is not set on command."),
        CommandType.RequestCancelActivityTask when command.RequestCancelActivityTaskCommandAttributes is not { ScheduledEventId: > 0 } =>
            new(WorkflowTaskFailedCause.BadRequestCancelActivityAttributes, "ScheduledEventId is not set on command."),
        CommandType.RecordMarker when string.IsNullOrEmpty(command.RecordMarkerCommandAttributes?.MarkerName) =>
            new(WorkflowTaskFailedCause.BadRecordMarkerAttributes, "MarkerName is not set on command."),
        CommandType.StartChildWorkflowExecution => StartChild(command.StartChildWorkflowExecutionCommandAttributes),
        CommandType.SignalExternalWorkflowExecution => SignalExternal(command.SignalExternalWorkflowExecutionCommandAttributes),
        CommandType.RequestCancelExternalWorkflowExecution when string.IsNullOrEmpty(command.RequestCancelExternalWorkflowExecutionCommandAttributes?.WorkflowId) =>
            new(WorkflowTaskFailedCause.BadRequestCancelExternalWorkflowExecutionAttributes, "WorkflowId is not set on command."),
        CommandType.CompleteWorkflowExecution when command.CompleteWorkflowExecutionCommandAttributes is null =>
            new(WorkflowTaskFailedCause.BadCompleteWorkflowExecutionAttributes, "CompleteWorkflowExecutionCommandAttributes is not set on command."),
        CommandType.FailWorkflowExecution when command.FailWorkflowExecutionCommandAttributes?.Failure is null =>
            new(WorkflowTaskFailedCause.BadFailWorkflowExecutionAttributes, "Failure is not set on command."),
        _ => null,
    };

    static BadCommand? ScheduleActivity(ScheduleActivityTaskCommandAttributes? a)
    {
        BadCommand Bad(string message) => new(WorkflowTaskFailedCause.BadScheduleActivityAttributes, message);
        if (a is null) return Bad("ScheduleActivityTaskCommandAttributes is not set on command.");
        if (string.IsNullOrEmpty(a.ActivityId)) return Bad("ActivityId is not set on command.");
        if (string.IsNullOrEmpty(a.ActivityType?.Name)) return Bad("ActivityType is not set on command.");
        foreach (var (name, timeout) in new[]
                 {
                     ("ScheduleToCloseTimeout", a.ScheduleToCloseTimeout), ("ScheduleToStartTimeout", a.ScheduleToStartTimeout),
                     ("StartToCloseTimeout", a.StartToCloseTimeout), ("HeartbeatTimeout", a.HeartbeatTimeout),
                 })
        {
            if (timeout is not null && timeout.ToTimeSpan() < TimeSpan.Zero) return Bad($"Invalid {name} value {Seconds(timeout)} on command.");
        }
        // An attempt needs a bound: start-to-close, or schedule-to-close (which start-to-close then defaults to).
        return IsPositive(a.StartToCloseTimeout) || IsPositive(a.ScheduleToCloseTimeout)
            ? null
            : Bad("A valid StartToClose or ScheduleToCloseTimeout is not set on command.");
    }

    static BadCommand? StartTimer(StartTimerCommandAttributes? a)
    {
        BadCommand Bad(string message) => new(WorkflowTaskFailedCause.BadStartTimerAttributes, message);
        if (a is null) return Bad("StartTimerCommandAttributes is not set on command.");
        if (string.IsNullOrEmpty(a.TimerId)) return Bad("TimerId is not set on command.");
        return IsPositive(a.StartToFireTimeout) ? null : Bad("An invalid StartToFireTimeout is set on command.");
    }

    static BadCommand? StartChild(StartChildWorkflowExecutionCommandAttributes? a)
    {
        BadCommand Bad(string message) => new(WorkflowTaskFailedCause.BadStartChildExecutionAttributes, message);
        if (a is null) return Bad("StartChildWorkflowExecutionCommandAttributes is not set on command.");
        if (string.IsNullOrEmpty(a.WorkflowId)) return Bad("Required field WorkflowId is not set on command.");
        return string.IsNullOrEmpty(a.WorkflowType?.Name) ? Bad("Required field WorkflowType is not set on command.") : null;
    }

    static BadCommand? SignalExternal(SignalExternalWorkflowExecutionCommandAttributes? a)
    {
        BadCommand Bad(string message) => new(WorkflowTaskFailedCause.BadSignalWorkflowExecutionAttributes, message);
        if (a is null) return Bad("SignalExternalWorkflowExecutionCommandAttributes is not set on command.");
        if (string.IsNullOrEmpty(a.Execution?.WorkflowId)) return Bad("WorkflowId is not set on command.");
        return string.IsNullOrEmpty(a.SignalName) ? Bad("SignalName is not set on command.") : null;
    }

    static bool IsPositive(Duration? duration) => duration is not null && duration.ToTimeSpan() > TimeSpan.Zero;

    static string Seconds(Duration duration) => duration.ToTimeSpan().TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";
}
