using System.Data.Common;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;

namespace ServiceDefaults.Lake;

/// <summary>
/// The data lake's S3 connection string: <c>Bucket=…;Region=…</c> plus, for S3-compatible servers,
/// <c>Endpoint=…</c> and for static credentials <c>AccessKey=…;SecretKey=…</c>. Without keys the AWS default
/// credential chain applies (instance or task role in production), so no secret needs to be configured there.
/// </summary>
public sealed record LakeConnection(string Bucket, string Region, Uri? Endpoint, string? AccessKey, string? SecretKey)
{
    public static LakeConnection Parse(string connectionString)
    {
        var parts = new DbConnectionStringBuilder { ConnectionString = connectionString };
        string? Get(string key) => parts.TryGetValue(key, out var v) ? v?.ToString() : null;
        var bucket = Get("Bucket") ?? throw new FormatException("the lake connection string has no Bucket=…");
        var endpoint = Get("Endpoint") is { } e ? new Uri(e) : null;
        return new LakeConnection(bucket, Get("Region") ?? "us-east-1", endpoint, Get("AccessKey"), Get("SecretKey"));
    }

    public IAmazonS3 CreateClient()
    {
        var config = new AmazonS3Config
        {
            // Checksums only when the operation requires them: ~4x faster GETs against S3-compatible servers.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (Endpoint is not null)
        {
            config.ServiceURL = Endpoint.ToString();
            config.ForcePathStyle = true;
            config.AuthenticationRegion = Region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(Region);
        }
        return AccessKey is not null && SecretKey is not null
            ? new AmazonS3Client(new BasicAWSCredentials(AccessKey, SecretKey), config)
            : new AmazonS3Client(config);
    }
}
