using System.Security.Cryptography;
using System.Text;
using System.Web;
using Amazon.Runtime;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ServiceDefaults.Kafka;

namespace ServiceDefaults.Tests;

/// <summary>
/// <c>Kafka:Authentication</c>: the librdkafka properties each mode sets, and MSK IAM's token, checked against an
/// independent SigV4 computation (no AWS access here: the broker is what verifies a token in production).
/// </summary>
public sealed class KafkaAuthenticationTests
{
    static readonly DateTimeOffset SignedAt = new(2026, 12, 3, 16, 45, 0, TimeSpan.Zero);
    static readonly ImmutableCredentials Session = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session/token+with=odd chars");

    static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.ToDictionary(s => s.Key, s => (string?)s.Value)).Build();

    static MskIamToken Token(ImmutableCredentials credentials)
    {
        var authentication = KafkaAuthentication.FromConfiguration(
            Configuration(("Kafka:Authentication", "AwsMskIam"), ("Kafka:Aws:Region", "eu-central-1")), () => credentials, new FixedTime(SignedAt));
        return authentication.Tokens!.Create();
    }

    /// <summary>The token's URL, from base64url without padding.</summary>
    static Uri Decode(string token)
    {
        var base64 = token.Replace('-', '+').Replace('_', '/');
        return new Uri(Encoding.UTF8.GetString(Convert.FromBase64String(base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '='))));
    }

    [Fact]
    public void An_msk_iam_token_is_a_connect_url_presigned_with_sigv4_for_kafka_cluster_valid_15_minutes()
    {
        var token = Token(Session);

        Assert.DoesNotContain('=', token.Value);
        Assert.DoesNotContain('+', token.Value);
        Assert.DoesNotContain('/', token.Value);
        Assert.Equal(SignedAt.AddMinutes(15), token.ExpiresAt);
        Assert.Equal(MskIamTokenProvider.Principal, token.Principal);

        var url = Decode(token.Value);
        Assert.Equal("https://kafka.eu-central-1.amazonaws.com/", url.GetLeftPart(UriPartial.Path));
        var query = HttpUtility.ParseQueryString(url.Query);
        Assert.Equal("kafka-cluster:Connect", query["Action"]);
        Assert.Equal("AWS4-HMAC-SHA256", query["X-Amz-Algorithm"]);
        Assert.Equal("AKIDEXAMPLE/20261203/eu-central-1/kafka-cluster/aws4_request", query["X-Amz-Credential"]);
        Assert.Equal("20261203T164500Z", query["X-Amz-Date"]);
        Assert.Equal("900", query["X-Amz-Expires"]);
        Assert.Equal("host", query["X-Amz-SignedHeaders"]);
        Assert.Equal(Session.Token, query["X-Amz-Security-Token"]);
        Assert.Equal(MskIamTokenProvider.UserAgent, query["User-Agent"]);
        Assert.Equal(ExpectedSignature(url, Session.SecretKey), query["X-Amz-Signature"]);
    }

    [Fact]
    public void Credentials_without_a_session_token_sign_no_security_token_parameter()
    {
        var credentials = new ImmutableCredentials(Session.AccessKey, Session.SecretKey, null);
        var url = Decode(Token(credentials).Value);

        Assert.Null(HttpUtility.ParseQueryString(url.Query)["X-Amz-Security-Token"]);
        Assert.Equal(ExpectedSignature(url, credentials.SecretKey), HttpUtility.ParseQueryString(url.Query)["X-Amz-Signature"]);
    }

    [Fact]
    public void A_signature_made_with_another_secret_does_not_match()
    {
        var url = Decode(Token(Session).Value);

        Assert.NotEqual(ExpectedSignature(url, "another-secret"), HttpUtility.ParseQueryString(url.Query)["X-Amz-Signature"]);
    }

    /// <summary>
    /// SigV4 query signing written out from AWS's specification: the canonical request (GET, path /, the signed
    /// parameters sorted and URI-encoded, header host, the empty payload's hash), the string to sign, the derived key.
    /// </summary>
    static string ExpectedSignature(Uri url, string secretKey)
    {
        var query = HttpUtility.ParseQueryString(url.Query);
        var signed = query.AllKeys.Where(k => k is not ("X-Amz-Signature" or "User-Agent")).Select(k => (Key: k!, Value: query[k]!))
            .OrderBy(p => Encode(p.Key), StringComparer.Ordinal).Select(p => $"{Encode(p.Key)}={Encode(p.Value)}");
        var canonical = $"GET\n/\n{string.Join('&', signed)}\nhost:{url.Host}\n\nhost\n{Hex(SHA256.HashData([]))}";
        var date = query["X-Amz-Date"]!;
        var scope = $"{date[..8]}/eu-central-1/kafka-cluster/aws4_request";
        var toSign = $"AWS4-HMAC-SHA256\n{date}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        var key = Encoding.UTF8.GetBytes("AWS4" + secretKey);
        foreach (var part in new[] { date[..8], "eu-central-1", "kafka-cluster", "aws4_request" }) key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        return Hex(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(toSign)));
    }

    /// <summary>RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ as %XX (upper case).</summary>
    static string Encode(string value) =>
        string.Concat(Encoding.UTF8.GetBytes(value).Select(b => char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~' ? ((char)b).ToString() : $"%{b:X2}"));

    static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    /// <summary>librdkafka checks what it is handed (a token value, an unexpired lifetime in ms, a principal): it takes ours.</summary>
    [Fact]
    public async Task Librdkafka_accepts_the_token_in_the_refresh_handler_of_a_real_client()
    {
        var authentication = KafkaAuthentication.FromConfiguration(
            Configuration(("Kafka:Authentication", "AwsMskIam"), ("Kafka:Aws:Region", "eu-central-1")), () => Session);
        var config = new ProducerConfig { BootstrapServers = "127.0.0.1:1" };
        authentication.Apply(config);
        var refreshed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var producer = new ProducerBuilder<Null, string>(config)
            .SetOAuthBearerTokenRefreshHandler((client, settings) =>
            {
                try
                {
                    var token = authentication.Tokens!.Create();
                    client.OAuthBearerSetToken(token.Value, token.ExpiresAt.ToUnixTimeMilliseconds(), token.Principal);
                    refreshed.TrySetResult(null);
                }
                catch (Exception e)
                {
                    refreshed.TrySetResult(e);
                }
            })
            .Build();

        producer.Poll(TimeSpan.FromMilliseconds(100)); // librdkafka asks for the first token before it connects
        Assert.Null(await refreshed.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void Msk_iam_makes_every_client_sasl_ssl_with_oauthbearer_whatever_kafka_client_says()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = "boot-abc.c1.kafka-serverless.eu-central-1.amazonaws.com:9098",
            ["Kafka:Client:security.protocol"] = "PLAINTEXT",
            ["Kafka:Authentication"] = "AwsMskIam",
            ["Kafka:Aws:Region"] = "eu-central-1",
        });
        builder.AddKafkaProducer<string, string>("kafka");
        builder.AddKafkaConsumer<string, string>("kafka", settings => settings.Config.GroupId = "ingest");
        using var host = builder.Build();

        foreach (var config in new Confluent.Kafka.ClientConfig[] { host.Services.GetRequiredService<KafkaProducerFactory<string, string>>().Config, host.Services.GetRequiredService<KafkaConsumerFactory<string, string>>().Config })
        {
            Assert.Equal(SecurityProtocol.SaslSsl, config.SecurityProtocol);
            Assert.Equal(SaslMechanism.OAuthBearer, config.SaslMechanism);
            Assert.Null(config.SaslUsername);
        }
    }

    [Fact]
    public void Sasl_plain_sets_the_key_and_secret_on_every_client_for_confluent_cloud()
    {
        var config = new ConsumerConfig();
        KafkaAuthentication.FromConfiguration(Configuration(("Kafka:Authentication", "saslplain"), ("Kafka:Sasl:Username", "API-KEY"), ("Kafka:Sasl:Password", "secret"))).Apply(config);

        Assert.Equal(SecurityProtocol.SaslSsl, config.SecurityProtocol);
        Assert.Equal(SaslMechanism.Plain, config.SaslMechanism);
        Assert.Equal("API-KEY", config.SaslUsername);
        Assert.Equal("secret", config.SaslPassword);
    }

    [Fact]
    public void Without_the_setting_nothing_is_added_and_the_local_broker_stays_plaintext()
    {
        var config = new ProducerConfig();
        var authentication = KafkaAuthentication.FromConfiguration(Configuration());
        authentication.Apply(config);

        Assert.Equal(KafkaAuthenticationMode.None, authentication.Mode);
        Assert.Null(authentication.RefreshToken);
        Assert.Null(config.SecurityProtocol);
    }

    [Theory]
    [InlineData("Kerberos", "Kafka:Authentication 'Kerberos' is not one of None, AwsMskIam, SaslPlain")]
    [InlineData("AwsMskIam", "Kafka:Authentication=AwsMskIam needs the cluster's region: Kafka:Aws:Region (or AWS_REGION)")]
    [InlineData("SaslPlain", "Kafka:Authentication=SaslPlain needs Kafka:Sasl:Username and Kafka:Sasl:Password (e.g. a Confluent Cloud API key and secret)")]
    public void A_bad_or_incomplete_setting_is_rejected_naming_what_is_missing(string mode, string message)
    {
        var error = Assert.Throws<InvalidOperationException>(() => KafkaAuthentication.FromConfiguration(Configuration(("Kafka:Authentication", mode))));
        Assert.Equal(message, error.Message);
    }

    sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
