using System.Data.Common;
using System.Net;
using LocalServers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AppHost.Resources;

/// <summary>
/// S3-compatible storage: moto's server (objects in its memory only: the lake is a published copy that an export
/// re-creates from PostgreSQL). The connection string is the lake's: <c>Endpoint=…;Region=…;AccessKey=…;SecretKey=…;Bucket=…</c>.
/// </summary>
public sealed class LocalS3Resource(string name, string command, string workingDirectory)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    internal const string EndpointName = "http";

    /// <summary>The bucket services get in their connection string; created on the first health check.</summary>
    public string Bucket { get; internal set; } = name;

    public EndpointReference Endpoint => new(this, EndpointName);

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Endpoint={Endpoint.Property(EndpointProperty.Url)};Region=us-east-1;AccessKey=local;SecretKey=local;Bucket={Bucket}");
}

public static class LocalS3Extensions
{
    static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>Adds S3: moto locally (port 9000), external when <c>ConnectionStrings:&lt;name&gt;</c> is configured.</summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddLocalS3(this IDistributedApplicationBuilder builder, string name, int port = 9000)
    {
        if (builder.AddExternalIfConfigured(name, EndpointAnswersAsync) is { } external) return external;

        var resource = new LocalS3Resource(name, MotoS3Server.Executable(), builder.AppHostDirectory);
        var healthCheck = $"{name}-ready";
        builder.Services.AddHealthChecks().Add(new(healthCheck, _ => new BucketReadyCheck(resource), null, null));
        var quiet = MotoS3Server.QuietEnvironment();

        return builder.AddResource(resource)
            .WithHttpEndpoint(port: port, name: LocalS3Resource.EndpointName)
            .WithArgs(context => context.Args.AddAll("-H", "127.0.0.1", "-p", resource.Endpoint.Property(EndpointProperty.TargetPort)))
            .WithEnvironment(quiet.Key, quiet.Value)
            .WithHealthCheck(healthCheck);
    }

    /// <summary>The bucket the connection string names (for external storage, its connection string decides).</summary>
    public static IResourceBuilder<IResourceWithConnectionString> WithBucket(this IResourceBuilder<IResourceWithConnectionString> builder, string bucket)
    {
        if (builder.Resource is LocalS3Resource local) local.Bucket = bucket;
        return builder;
    }

    /// <summary>An S3-compatible <c>Endpoint=</c> must answer HTTP; AWS itself (no endpoint) is checked by the services.</summary>
    static async Task EndpointAnswersAsync(string connectionString, CancellationToken ct)
    {
        var parts = new DbConnectionStringBuilder { ConnectionString = connectionString };
        if (!parts.TryGetValue("Endpoint", out var endpoint)) return;
        using var response = await Http.GetAsync(endpoint!.ToString(), ct);
        if ((int)response.StatusCode >= 500) throw new HttpRequestException($"{endpoint} answered {(int)response.StatusCode}");
    }

    /// <summary>Healthy once moto answers and the bucket exists (created here the first time; moto takes unsigned requests).</summary>
    sealed class BucketReadyCheck(LocalS3Resource resource) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var bucket = new Uri(new Uri(await resource.Endpoint.GetValueAsync(cancellationToken) + "/"), resource.Bucket);
            try
            {
                using (var head = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, bucket), cancellationToken))
                {
                    if (head.IsSuccessStatusCode) return HealthCheckResult.Healthy($"bucket {resource.Bucket} at {bucket}");
                    if (head.StatusCode != HttpStatusCode.NotFound) return HealthCheckResult.Unhealthy($"HEAD {bucket}: {(int)head.StatusCode}");
                }
                using var create = await Http.PutAsync(bucket, null, cancellationToken);
                return create.IsSuccessStatusCode
                    ? HealthCheckResult.Healthy($"bucket {resource.Bucket} created at {bucket}")
                    : HealthCheckResult.Unhealthy($"creating {bucket}: {(int)create.StatusCode}");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return HealthCheckResult.Unhealthy($"{bucket}: {e.Message}");
            }
        }
    }
}
