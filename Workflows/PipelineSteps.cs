using Temporalio.Common;
using Temporalio.Workflows;

namespace Workflows;

/// <summary>The activity options of the pipelines' steps (trades and meters run the same kinds of step).</summary>
public static class PipelineSteps
{
    /// <summary>Database steps: quick, retried with backoff on any failure but a rejected request.</summary>
    public static readonly ActivityOptions Database = new()
    {
        StartToCloseTimeout = TimeSpan.FromMinutes(5),
        RetryPolicy = new RetryPolicy
        {
            InitialInterval = TimeSpan.FromSeconds(1),
            BackoffCoefficient = 2,
            MaximumInterval = TimeSpan.FromMinutes(1),
            MaximumAttempts = 10,
            NonRetryableErrorTypes = [WorkflowErrors.InvalidRequest],
        },
    };

    /// <summary>Export writes Parquet and uploads it: longer, heartbeating per partition, retried like a database step.</summary>
    public static readonly ActivityOptions Export = new()
    {
        StartToCloseTimeout = TimeSpan.FromMinutes(30),
        HeartbeatTimeout = TimeSpan.FromMinutes(2),
        RetryPolicy = Database.RetryPolicy,
    };
}
