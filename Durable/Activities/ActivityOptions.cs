namespace Durable;

/// <summary>How an activity is retried. Attempt n (1-based) waits InitialInterval × BackoffCoefficient^(n-1), capped at MaximumInterval.</summary>
public sealed record RetryPolicy
{
    public TimeSpan InitialInterval { get; init; } = TimeSpan.FromSeconds(1);
    public double BackoffCoefficient { get; init; } = 2.0;
    /// <summary>Defaults to 100 × <see cref="InitialInterval"/>, as in Temporal.</summary>
    public TimeSpan? MaximumInterval { get; init; }
    /// <summary>0 means unlimited.</summary>
    public int MaximumAttempts { get; init; }
    /// <summary>Exception full names, short names or <see cref="ApplicationFailureException.ErrorType"/> values that fail at once.</summary>
    public IReadOnlyList<string> NonRetryableErrorTypes { get; init; } = [];

    /// <summary>Delay before the attempt after <paramref name="failedAttempt"/>.</summary>
    public TimeSpan DelayAfter(int failedAttempt)
    {
        var max = MaximumInterval ?? TimeSpan.FromTicks(InitialInterval.Ticks * 100);
        var ticks = InitialInterval.Ticks * Math.Pow(BackoffCoefficient, Math.Max(0, failedAttempt - 1));
        return ticks >= max.Ticks ? max : TimeSpan.FromTicks((long)ticks);
    }

    public bool IsNonRetryable(FailureInfo failure) =>
        failure.NonRetryable || NonRetryableErrorTypes.Any(t =>
            string.Equals(t, failure.Type, StringComparison.Ordinal) || failure.Type.EndsWith("." + t, StringComparison.Ordinal));
}

/// <summary>Timeouts and retries of one activity call. StartToCloseTimeout or ScheduleToCloseTimeout is required.</summary>
public sealed record ActivityOptions
{
    /// <summary>Limit of one attempt.</summary>
    public TimeSpan? StartToCloseTimeout { get; init; }
    /// <summary>Limit of all attempts together, including backoff waits.</summary>
    public TimeSpan? ScheduleToCloseTimeout { get; init; }
    /// <summary>An attempt that does not heartbeat within this interval is failed as timed out (and retried).</summary>
    public TimeSpan? HeartbeatTimeout { get; init; }
    public RetryPolicy? RetryPolicy { get; init; }
    /// <summary>Defaults to the workflow's task queue.</summary>
    public string? TaskQueue { get; init; }
    /// <summary>Defaults to <see cref="Workflow.CancellationToken"/>: cancelling the workflow cancels the activity.</summary>
    public CancellationToken CancellationToken { get; init; }
}

/// <summary>Options of a child workflow. Id defaults to "{parent id}-child-{n}", deterministic across replays.</summary>
public sealed record ChildWorkflowOptions
{
    public string? Id { get; init; }
    public string? TaskQueue { get; init; }
    public CancellationToken CancellationToken { get; init; }
}
