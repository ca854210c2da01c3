using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ServiceDefaults.Kafka;
using ServiceDefaults.Lake;

namespace ServiceDefaults.Tests;

public sealed class ConnectionConventionTests
{
    [Fact]
    public void A_lake_connection_string_for_an_s3_compatible_server_keeps_endpoint_region_and_keys()
    {
        var lake = LakeConnection.Parse("Endpoint=http://127.0.0.1:9000;Region=eu-central-1;AccessKey=a;SecretKey=b;Bucket=energy-lake");

        Assert.Equal(new LakeConnection("energy-lake", "eu-central-1", new Uri("http://127.0.0.1:9000"), "a", "b"), lake);
    }

    [Fact]
    public void A_lake_connection_string_for_aws_needs_no_keys_and_defaults_nothing_but_the_region()
    {
        var lake = LakeConnection.Parse("Bucket=prod-lake;Region=eu-west-1");

        Assert.Equal(new LakeConnection("prod-lake", "eu-west-1", null, null, null), lake);
        using var client = lake.CreateClient();
        Assert.Equal("eu-west-1", client.Config.RegionEndpoint.SystemName);
    }

    [Fact]
    public void A_lake_connection_string_without_a_bucket_is_rejected_with_what_is_missing()
    {
        var error = Assert.Throws<FormatException>(() => LakeConnection.Parse("Endpoint=http://127.0.0.1:9000"));
        Assert.Equal("the lake connection string has no Bucket=…", error.Message);
    }

    [Fact]
    public void Kafka_clients_take_bootstrap_servers_from_the_connection_string_and_extra_properties_from_configuration()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = "broker-1:9092,broker-2:9092",
            ["Kafka:Client:security.protocol"] = "SASL_SSL",
            ["Kafka:Consumer:session.timeout.ms"] = "45000",
            ["Kafka:Producer:linger.ms"] = "50",
        });
        builder.AddKafkaProducer<string, string>("kafka");
        builder.AddKafkaConsumer<string, string>("kafka", settings => settings.Config.GroupId = "ingest");
        using var host = builder.Build();

        var consumer = host.Services.GetRequiredService<KafkaConsumerFactory<string, string>>().Config;
        var producer = host.Services.GetRequiredService<KafkaProducerFactory<string, string>>().Config;

        Assert.Equal("broker-1:9092,broker-2:9092", consumer.BootstrapServers);
        Assert.Equal("ingest", consumer.GroupId);
        Assert.False(consumer.EnableAutoCommit);
        Assert.Equal(45000, consumer.SessionTimeoutMs);
        Assert.Equal("SASL_SSL", consumer.Get("security.protocol"));
        Assert.Equal(1000, consumer.StatisticsIntervalMs);
        Assert.Equal(50, producer.LingerMs);
        Assert.True(producer.EnableIdempotence);
        Assert.Equal("SASL_SSL", producer.Get("security.protocol"));
    }

    [Fact]
    public void A_missing_kafka_connection_string_names_the_setting()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Host.CreateApplicationBuilder().AddKafkaProducer<string, string>("kafka"));
        Assert.Equal("ConnectionStrings:kafka is not configured (the Kafka bootstrap servers)", error.Message);
    }

    [Fact]
    public void A_kafka_consumer_without_a_group_is_rejected_at_registration()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:kafka"] = "broker:9092";
        var error = Assert.Throws<InvalidOperationException>(() => builder.AddKafkaConsumer<string, string>("kafka"));
        Assert.Equal("the Kafka consumer of kafka has no group id (Kafka:Consumer:group.id or KafkaConsumerSettings.Config.GroupId)", error.Message);
    }
}
