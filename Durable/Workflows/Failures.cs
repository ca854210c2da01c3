namespace Durable;

/// <summary>Serialisable description of an exception, as stored in history.</summary>
public sealed record FailureInfo(string Type, string Message, string? StackTrace = null, bool NonRetryable = false)
{
    public static FailureInfo From(Exception e) => e switch
    {
        ApplicationFailureException a => new(a.ErrorType ?? a.GetType().FullName!, a.Message, a.StackTrace, a.NonRetryable),
        ActivityFailureException f when f.Failure is not null => f.Failure,
        _ => new(e.GetType().FullName!, e.Message, e.StackTrace),
    };
}

/// <summary>Thrown by activity or workflow code to fail with a chosen error type; <see cref="NonRetryable"/> skips the retry policy.</summary>
public class ApplicationFailureException(string message, string? errorType = null, bool nonRetryable = false, Exception? inner = null)
    : Exception(message, inner)
{
    public string? ErrorType { get; } = errorType;
    public bool NonRetryable { get; } = nonRetryable;
}

/// <summary>Raised in workflow code when an activity failed after its retry policy gave up (or was cancelled / timed out).</summary>
public sealed class ActivityFailureException(string activityType, FailureInfo failure)
    : Exception($"Activity {activityType} failed: {failure.Type}: {failure.Message}")
{
    public string ActivityType { get; } = activityType;
    public FailureInfo Failure { get; } = failure;
}

/// <summary>Raised in workflow code when a child workflow failed, was cancelled or terminated.</summary>
public sealed class ChildWorkflowFailureException(string workflowId, FailureInfo failure)
    : Exception($"Child workflow {workflowId} failed: {failure.Type}: {failure.Message}")
{
    public string WorkflowId { get; } = workflowId;
    public FailureInfo Failure { get; } = failure;
}

/// <summary>Raised by the client when a run closed without a result (failed, cancelled, terminated, non-deterministic).</summary>
public sealed class WorkflowFailedException(string workflowId, Guid runId, WorkflowStatus status, FailureInfo? failure)
    : Exception($"Workflow {workflowId} run {runId} closed as {status}: {failure?.Type}: {failure?.Message}")
{
    public string WorkflowId { get; } = workflowId;
    public Guid RunId { get; } = runId;
    public WorkflowStatus Status { get; } = status;
    public FailureInfo? Failure { get; } = failure;
}

/// <summary>The workflow code no longer issues the commands its history recorded.</summary>
public sealed class NonDeterminismException(long eventSeq, string expected, string actual, string workflowType)
    : Exception($"Non-deterministic workflow {workflowType}: history event {eventSeq} expected {expected} but the code issued {actual}")
{
    public long EventSeq { get; } = eventSeq;
    public string Expected { get; } = expected;
    public string Actual { get; } = actual;
}

/// <summary>A workflow or activity definition, or a call to start one, is invalid. The message names the class and member.</summary>
public sealed class WorkflowDefinitionException(string message) : Exception(message);

/// <summary>Start was rejected by the ID reuse policy.</summary>
public sealed class WorkflowAlreadyStartedException(string workflowId, Guid existingRunId)
    : Exception($"Workflow ID {workflowId} is not reusable under the chosen policy (last run {existingRunId})")
{
    public string WorkflowId { get; } = workflowId;
    public Guid ExistingRunId { get; } = existingRunId;
}

/// <summary>Thrown from a workflow to close this run and start a fresh one with the same ID and new arguments.</summary>
public sealed class ContinueAsNewException(object?[] args) : Exception("continue as new")
{
    public object?[] Args { get; } = args;
}
