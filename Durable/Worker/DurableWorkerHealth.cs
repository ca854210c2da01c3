using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Durable;

/// <summary>Tracks storage failures of every worker loop in the process. Failing loops back off and retry; nothing is dropped.</summary>
public sealed class DurableWorkerHealth
{
    readonly Dictionary<string, (int Failures, string Error, DateTimeOffset Since)> _failing = [];

    public void Succeeded(string loop)
    {
        lock (_failing) _failing.Remove(loop);
    }

    public void Failed(string loop, Exception error)
    {
        lock (_failing)
            _failing[loop] = _failing.TryGetValue(loop, out var f) ? (f.Failures + 1, error.Message, f.Since) : (1, error.Message, DateTimeOffset.UtcNow);
    }

    public HealthCheckResult Check()
    {
        lock (_failing)
        {
            if (_failing.Count == 0) return HealthCheckResult.Healthy("durable worker loops are running");
            var data = _failing.ToDictionary(kv => kv.Key, kv => (object)$"{kv.Value.Failures} failures since {kv.Value.Since:O}: {kv.Value.Error}");
            return HealthCheckResult.Degraded($"durable worker retrying storage: {string.Join("; ", data.Select(kv => $"{kv.Key}: {kv.Value}"))}", data: data);
        }
    }
}

public sealed class DurableHealthCheck(DurableWorkerHealth health) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) => Task.FromResult(health.Check());
}
