using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Workers.Ingestion;

/// <summary>Degraded while any recorded data loss is unresolved: an operator must see it, not find it later.</summary>
public sealed class DataLossHealthCheck(ConsumerOffsetStore offsets) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var open = await offsets.CountOpenGapsAsync(cancellationToken);
            return open == 0
                ? HealthCheckResult.Healthy("no unresolved data loss")
                : HealthCheckResult.Degraded($"{open} unresolved offset gap(s) in pipeline.data_loss");
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return HealthCheckResult.Healthy("schema not created yet");
        }
    }
}
