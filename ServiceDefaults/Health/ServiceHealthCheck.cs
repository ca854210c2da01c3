using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ServiceDefaults.Health;

/// <summary>Another service of the graph, healthy when its /health answers 200.</summary>
sealed class ServiceHealthCheck(HttpClient http, Uri baseAddress) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(baseAddress, "/health"), cancellationToken);
            return response.IsSuccessStatusCode
                ? HealthCheckResult.Healthy(baseAddress.ToString())
                : HealthCheckResult.Unhealthy($"{baseAddress}health answered {(int)response.StatusCode}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return HealthCheckResult.Unhealthy($"{baseAddress} unreachable: {e.Message}");
        }
    }
}
