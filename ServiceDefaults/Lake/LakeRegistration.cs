using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace ServiceDefaults.Lake;

/// <summary>The lake bucket and a client for it.</summary>
public sealed class Lake(LakeConnection connection) : IDisposable
{
    public string Bucket => connection.Bucket;
    public IAmazonS3 Client { get; } = connection.CreateClient();

    /// <summary>Uploads the file <paramref name="key"/> of a local export directory under the same key (an existing object is replaced).</summary>
    public Task PutFileAsync(string directory, string key, CancellationToken ct) =>
        Client.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = key, FilePath = Path.Combine(directory, key) }, ct);

    public void Dispose() => Client.Dispose();
}

public static class LakeRegistration
{
    /// <summary>Registers <see cref="Lake"/> for <c>ConnectionStrings:&lt;name&gt;</c> and a readiness check on its bucket.</summary>
    public static IHostApplicationBuilder AddLake(this IHostApplicationBuilder builder, string connectionName)
    {
        var connection = LakeConnection.Parse(builder.Configuration.GetConnectionString(connectionName)
            ?? throw new InvalidOperationException($"ConnectionStrings:{connectionName} is not configured (the S3 data lake)"));
        builder.Services.AddSingleton(new Lake(connection));
        builder.Services.AddHealthChecks().Add(new(connectionName, sp => new LakeHealthCheck(sp.GetRequiredService<Lake>()), null, [Extensions.ReadyTag]));
        return builder;
    }
}

/// <summary>Healthy when the bucket can be listed (the permission the services need anyway).</summary>
sealed class LakeHealthCheck(Lake lake) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await lake.Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = lake.Bucket, MaxKeys = 1 }, cancellationToken);
            return HealthCheckResult.Healthy($"bucket {lake.Bucket}");
        }
        catch (Exception e) when (e is AmazonS3Exception or HttpRequestException or Amazon.Runtime.AmazonServiceException)
        {
            return HealthCheckResult.Unhealthy($"bucket {lake.Bucket}: {e.Message}");
        }
    }
}
