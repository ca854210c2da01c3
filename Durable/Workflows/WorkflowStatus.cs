namespace Durable;

public enum WorkflowStatus
{
    Running,
    Completed,
    Failed,
    Canceled,
    Terminated,
    ContinuedAsNew,
    /// <summary>Closed because the code did not match its history; fix the code and retry or reset the run.</summary>
    NonDeterministic,
}

/// <summary>Facts about the current run, available to workflow code through <see cref="Workflow.Info"/>.</summary>
public sealed record WorkflowInfo(string WorkflowId, Guid RunId, string WorkflowType, string TaskQueue, DateTimeOffset StartedAt, string? ParentWorkflowId);
