namespace TemporalServer.Executions;

/// <summary>
/// How large a run's history may grow before the run is terminated: Temporal's dynamic config
/// <c>limit.historySize.error</c> (50 MiB) and <c>limit.historyCount.error</c> (51,200 events), here
/// <c>Temporal:HistorySizeLimitBytes</c> and <c>Temporal:HistoryCountLimit</c>.
/// </summary>
sealed record HistoryLimits(long MaxBytes, long MaxEvents)
{
    public const string SizeExceeded = "Workflow history size exceeds limit.";
    public const string CountExceeded = "Workflow history count exceeds limit.";

    public static HistoryLimits From(IConfiguration configuration) => new(
        configuration.GetValue("Temporal:HistorySizeLimitBytes", 50L * 1024 * 1024),
        configuration.GetValue("Temporal:HistoryCountLimit", 50L * 1024));
}
