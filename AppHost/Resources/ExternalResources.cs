using LocalServers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AppHost.Resources;

/// <summary>
/// <c>ConnectionStrings:&lt;name&gt;</c> in the AppHost's configuration replaces a local resource by an existing one
/// (RDS, MSK, S3, …): nothing is started, the value is passed through, and the start is refused while it cannot be reached.
/// </summary>
public static class ExternalResources
{
    public static IResourceBuilder<IResourceWithConnectionString>? AddExternalIfConfigured(
        this IDistributedApplicationBuilder builder, string name, Func<string, CancellationToken, Task> ensureReachable)
    {
        if (builder.Configuration.GetConnectionString(name) is not { Length: > 0 } connectionString) return null;

        async Task CheckAsync(CancellationToken ct)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(15));
            try
            {
                await ensureReachable(connectionString, timeout.Token);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                throw new ExternalResourceUnreachableException(name, e is OperationCanceledException ? "no answer within 15 s" : e.Message);
            }
        }

        builder.Eventing.Subscribe<BeforeStartEvent>((_, ct) => CheckAsync(ct));
        var healthCheck = $"{name}-reachable";
        builder.Services.AddHealthChecks().AddAsyncCheck(healthCheck, async ct =>
        {
            try
            {
                await CheckAsync(ct);
                return HealthCheckResult.Healthy();
            }
            catch (ExternalResourceUnreachableException e)
            {
                return HealthCheckResult.Unhealthy(e.Message);
            }
        });
        return builder.AddConnectionString(name, ReferenceExpression.Create($"{connectionString}")).WithHealthCheck(healthCheck);
    }

    /// <summary><c>&lt;DataDirectory&gt;/&lt;resource&gt;</c>: <c>DataDirectory</c> from the configuration, else <c>.data/</c> at the repository root.</summary>
    public static string LocalDataDirectory(this IDistributedApplicationBuilder builder, string resource)
    {
        var configured = builder.Configuration["DataDirectory"];
        var root = string.IsNullOrEmpty(configured) ? Path.Combine(builder.AppHostDirectory, "..", ".data") : configured;
        return Path.GetFullPath(Path.Combine(root, resource));
    }
}

/// <summary>An external resource's connection string does not reach it: the AppHost names the resource and the reason and exits.</summary>
public sealed class ExternalResourceUnreachableException(string resource, string reason)
    : Exception($"{resource}: ConnectionStrings:{resource} cannot be reached: {reason}");
