using Amazon;
using AmazonClientException = Amazon.Runtime.AmazonClientException;
using AmazonServiceException = Amazon.Runtime.AmazonServiceException;
using ImmutableCredentials = Amazon.Runtime.ImmutableCredentials;
using Amazon.Runtime.Credentials;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;

namespace ServiceDefaults.Kafka;

/// <summary>How the services authenticate to the cluster (<c>Kafka:Authentication</c>).</summary>
public enum KafkaAuthenticationMode
{
    /// <summary>Nothing added: plaintext locally, or whatever <c>Kafka:Client</c> sets.</summary>
    None,

    /// <summary>Amazon MSK with IAM access control (MSK Serverless accepts nothing else): SASL/OAUTHBEARER over TLS, a SigV4-signed token from the AWS credential chain.</summary>
    AwsMskIam,

    /// <summary>SASL/PLAIN over TLS with a user name and password, e.g. a Confluent Cloud API key and secret.</summary>
    SaslPlain,
}

/// <summary>
/// The cluster's authentication from configuration alone: <c>Kafka:Authentication</c> (<see cref="KafkaAuthenticationMode"/>),
/// <c>Kafka:Aws:Region</c> for MSK IAM (default <c>AWS_REGION</c>), <c>Kafka:Sasl:Username</c> and <c>Kafka:Sasl:Password</c>
/// for SASL/PLAIN. It sets the librdkafka properties every client needs and, for MSK IAM, the token refresh handler
/// each client builder gets (<see cref="RefreshToken"/>).
/// </summary>
public sealed class KafkaAuthentication
{
    public const string Section = "Kafka";

    KafkaAuthentication(KafkaAuthenticationMode mode, MskIamTokenProvider? tokens, string? username, string? password)
    {
        Mode = mode;
        Tokens = tokens;
        _username = username;
        _password = password;
    }

    readonly string? _username, _password;

    public KafkaAuthenticationMode Mode { get; }

    /// <summary>The MSK IAM token source; null unless <see cref="Mode"/> is <see cref="KafkaAuthenticationMode.AwsMskIam"/>.</summary>
    public MskIamTokenProvider? Tokens { get; }

    public static readonly KafkaAuthentication None = new(KafkaAuthenticationMode.None, null, null, null);

    /// <summary>
    /// Reads <c>Kafka:Authentication</c> and its settings; a bad or missing value throws naming the setting. MSK IAM signs
    /// with <paramref name="credentials"/> (default: the AWS default credential chain, read again for every token, so
    /// rotated task-role credentials are picked up).
    /// </summary>
    public static KafkaAuthentication FromConfiguration(IConfiguration configuration, Func<ImmutableCredentials>? credentials = null, TimeProvider? time = null)
    {
        var section = configuration.GetSection(Section);
        var text = section["Authentication"];
        if (string.IsNullOrWhiteSpace(text)) return None;
        if (!Enum.TryParse<KafkaAuthenticationMode>(text.Trim(), ignoreCase: true, out var mode) || !Enum.IsDefined(mode))
            throw new InvalidOperationException($"Kafka:Authentication '{text}' is not one of {string.Join(", ", Enum.GetNames<KafkaAuthenticationMode>())}");
        switch (mode)
        {
            case KafkaAuthenticationMode.AwsMskIam:
                var region = section["Aws:Region"] ?? configuration["AWS_REGION"] ?? configuration["AWS_DEFAULT_REGION"];
                if (string.IsNullOrWhiteSpace(region))
                    throw new InvalidOperationException("Kafka:Authentication=AwsMskIam needs the cluster's region: Kafka:Aws:Region (or AWS_REGION)");
                return new(mode, new MskIamTokenProvider(RegionEndpoint.GetBySystemName(region.Trim()), credentials ?? DefaultCredentials, time ?? TimeProvider.System), null, null);
            case KafkaAuthenticationMode.SaslPlain:
                var (username, password) = (section["Sasl:Username"], section["Sasl:Password"]);
                if (string.IsNullOrEmpty(username) || string.IsNullOrEmpty(password))
                    throw new InvalidOperationException("Kafka:Authentication=SaslPlain needs Kafka:Sasl:Username and Kafka:Sasl:Password (e.g. a Confluent Cloud API key and secret)");
                return new(mode, null, username, password);
            default:
                return None;
        }
    }

    /// <summary>The librdkafka properties of the mode (TLS, SASL mechanism, credentials); set after <c>Kafka:Client</c>, so they win.</summary>
    public void Apply(ClientConfig config)
    {
        switch (Mode)
        {
            case KafkaAuthenticationMode.AwsMskIam:
                config.SecurityProtocol = SecurityProtocol.SaslSsl;
                config.SaslMechanism = SaslMechanism.OAuthBearer;
                break;
            case KafkaAuthenticationMode.SaslPlain:
                config.SecurityProtocol = SecurityProtocol.SaslSsl;
                config.SaslMechanism = SaslMechanism.Plain;
                config.SaslUsername = _username;
                config.SaslPassword = _password;
                break;
        }
    }

    /// <summary>
    /// librdkafka's OAUTHBEARER refresh callback for MSK IAM: called before the first connection and again at 80 % of the
    /// token's lifetime. A failure is handed to librdkafka, which logs it and calls again; null when there is no token to refresh.
    /// </summary>
    public Action<IClient, string>? RefreshToken => Tokens is not { } tokens ? null : (client, _) =>
    {
        try
        {
            var token = tokens.Create();
            client.OAuthBearerSetToken(token.Value, token.ExpiresAt.ToUnixTimeMilliseconds(), token.Principal);
        }
        catch (Exception e) when (e is AmazonClientException or AmazonServiceException or KafkaException)
        {
            client.OAuthBearerSetTokenFailure($"MSK IAM token: {e.Message}");
        }
    };

    /// <summary>The AWS default credential chain: environment, profile, ECS task role, EC2 instance role.</summary>
    static ImmutableCredentials DefaultCredentials() => DefaultAWSCredentialsIdentityResolver.GetCredentials().GetCredentials();
}
