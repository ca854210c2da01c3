using Confluent.Kafka;
using Feeds.Prices;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ServiceDefaults.Kafka;

namespace Feeds.Tests;

/// <summary>The price feed's Kafka clients are registered through ServiceDefaults/Kafka, so the cluster's authentication applies to each.</summary>
public sealed class PriceFeedKafkaSecurityTests
{
    static WebApplication Feeds(params (string Key, string Value)[] settings)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = "boot-abc.c1.kafka-serverless.eu-central-1.amazonaws.com:9098",
            ["Kafka:Client:security.protocol"] = "PLAINTEXT",
            ["PriceFeed:Count"] = "10",
        }.Concat(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))));
        // as Feeds' Program.cs registers them
        builder.AddKafkaProducer<string, string>("kafka");
        builder.AddPriceFeed();
        return builder.Build();
    }

    static KafkaConsumerFactory<Ignore, byte[]> TopicReader(WebApplication feeds) =>
        feeds.Services.GetRequiredKeyedService<KafkaConsumerFactory<Ignore, byte[]>>(PriceFeed.ConsumerKey);

    [Fact]
    public async Task With_msk_iam_the_price_feeds_topic_reader_is_sasl_ssl_with_oauthbearer_and_signs_its_own_tokens()
    {
        await using var feeds = Feeds(("Kafka:Authentication", "AwsMskIam"), ("Kafka:Aws:Region", "eu-central-1"));
        var reader = TopicReader(feeds);

        Assert.Equal("boot-abc.c1.kafka-serverless.eu-central-1.amazonaws.com:9098", reader.Config.BootstrapServers);
        Assert.Equal((SecurityProtocol.SaslSsl, SaslMechanism.OAuthBearer), (reader.Config.SecurityProtocol, reader.Config.SaslMechanism));
        Assert.Equal(PriceFeed.ConsumerKey, reader.GroupId);
        // The factory has set MSK IAM's token refresh handler on the builder: Confluent.Kafka refuses a second one.
        var second = Assert.Throws<InvalidOperationException>(() => reader.Create(builder => builder.SetOAuthBearerTokenRefreshHandler((_, _) => { })));
        Assert.Contains("more than once", second.Message);
    }

    [Fact]
    public async Task With_sasl_plain_the_price_feeds_topic_reader_gets_the_key_and_secret()
    {
        await using var feeds = Feeds(("Kafka:Authentication", "SaslPlain"), ("Kafka:Sasl:Username", "API-KEY"), ("Kafka:Sasl:Password", "secret"));
        var reader = TopicReader(feeds);

        Assert.Equal((SecurityProtocol.SaslSsl, SaslMechanism.Plain), (reader.Config.SecurityProtocol, reader.Config.SaslMechanism));
        Assert.Equal(("API-KEY", "secret"), (reader.Config.SaslUsername, reader.Config.SaslPassword));
    }

    [Fact]
    public async Task Without_authentication_the_price_feeds_topic_reader_stays_as_kafka_client_says_and_has_no_token_handler()
    {
        await using var feeds = Feeds();
        var reader = TopicReader(feeds);

        Assert.Equal(SecurityProtocol.Plaintext, reader.Config.SecurityProtocol);
        Assert.Null(reader.Config.SaslMechanism);
        using var consumer = reader.Create(builder => builder.SetOAuthBearerTokenRefreshHandler((_, _) => { }));
        Assert.NotNull(consumer);
    }
}
