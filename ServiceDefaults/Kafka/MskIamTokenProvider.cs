using System.Globalization;
using System.Text;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;
using Amazon.Runtime.Internal.Util;

namespace ServiceDefaults.Kafka;

/// <summary>An MSK IAM authentication token: what librdkafka sends as the OAUTHBEARER token, and when it stops being valid.</summary>
public sealed record MskIamToken(string Value, DateTimeOffset ExpiresAt, string Principal);

/// <summary>
/// MSK IAM tokens, as AWS's own signers make them (aws-msk-iam-sasl-signer-net, -python, -go; that package is not on this
/// environment's mirror, AWSSDK.Core is): a GET of <c>https://kafka.&lt;region&gt;.amazonaws.com/?Action=kafka-cluster:Connect</c>
/// presigned with SigV4 (service <c>kafka-cluster</c>, valid 15 minutes, the session token signed in when the credentials
/// have one), plus a <c>User-Agent</c> parameter, as base64url without padding. The broker checks the signature and the
/// caller's IAM policy; nothing is sent to AWS to make a token.
/// </summary>
public sealed class MskIamTokenProvider(RegionEndpoint region, Func<ImmutableCredentials> credentials, TimeProvider time)
{
    public const string Service = "kafka-cluster";
    public const string ConnectAction = "kafka-cluster:Connect";
    public const string UserAgent = "energy-pipeline-msk-iam";
    /// <summary>The principal handed to librdkafka with the token; MSK identifies the caller by the signature, not by this name.</summary>
    public const string Principal = "msk-iam";
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(15);

    public MskIamToken Create()
    {
        var identity = credentials();
        var signedAt = time.GetUtcNow();
        IRequest request = new DefaultRequest(new TokenRequest(), Service)
        {
            UseQueryString = true,
            HttpMethod = "GET",
            Endpoint = new UriBuilder("https", $"kafka.{region.SystemName}.amazonaws.com").Uri,
        };
        request.Parameters.Add("Action", ConnectAction);
        request.Parameters.Add("X-Amz-Expires", Lifetime.TotalSeconds.ToString(CultureInfo.InvariantCulture));
        if (identity.UseToken) request.Parameters.Add("X-Amz-Security-Token", identity.Token);
        var signature = AWS4PreSignedUrlSigner.SignRequest(request, null, new RequestMetrics(), identity.AccessKey, identity.SecretKey, Service, region.SystemName, signedAt.UtcDateTime);
        var url = $"{AmazonServiceClient.ComposeUrl(request).AbsoluteUri}&User-Agent={UserAgent}&{signature.ForQueryParameters}";
        var value = Convert.ToBase64String(Encoding.UTF8.GetBytes(url)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return new MskIamToken(value, signedAt + Lifetime, Principal);
    }

    /// <summary>The signer is written around service requests; this one only carries SigV4 as its signature version.</summary>
    sealed class TokenRequest : AmazonWebServiceRequest
    {
        public TokenRequest() => ((IAmazonWebServiceRequest)this).SignatureVersion = SignatureVersion.SigV4;
    }
}
