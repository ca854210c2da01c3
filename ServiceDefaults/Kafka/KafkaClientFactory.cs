using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace ServiceDefaults.Kafka;

/// <summary>
/// Builds producers with the registration's configuration, its logging, error counting and statistics metrics. The
/// registered <see cref="IProducer{TKey,TValue}"/> is one of these.
/// </summary>
public sealed class KafkaProducerFactory<TKey, TValue>(ProducerConfig config, KafkaMetrics metrics, ILogger logger, Action<ProducerBuilder<TKey, TValue>>? configureBuilder,
    Action<IClient, string>? refreshToken = null)
{
    public ProducerConfig Config => config;

    public IProducer<TKey, TValue> Create()
    {
        var builder = new ProducerBuilder<TKey, TValue>(config);
        if (refreshToken is not null) builder.SetOAuthBearerTokenRefreshHandler(refreshToken);
        configureBuilder?.Invoke(builder);
        var telemetry = new KafkaClientTelemetry(metrics, logger, groupId: null, KafkaClientConfig.StatisticsInterval(config));
        return builder
            .SetLogHandler((_, message) => telemetry.Log(message))
            .SetErrorHandler((_, error) => telemetry.Error(error))
            .SetStatisticsHandler((_, json) => telemetry.Statistics(json))
            .Build();
    }
}

/// <summary>
/// Builds consumers with the registration's configuration, its logging, error counting and statistics metrics. The
/// registered <see cref="IConsumer{TKey,TValue}"/> is one of these; a component whose consumer needs rebalance
/// handlers of its own, or a fresh consumer after each restart, builds it with <see cref="Create"/>.
/// </summary>
public sealed class KafkaConsumerFactory<TKey, TValue>(ConsumerConfig config, KafkaMetrics metrics, ILogger logger, Action<ConsumerBuilder<TKey, TValue>>? configureBuilder,
    Action<IClient, string>? refreshToken = null)
{
    public ConsumerConfig Config => config;

    /// <summary>The group every consumer of this registration joins.</summary>
    public string GroupId => config.GroupId;

    public IConsumer<TKey, TValue> Create(Action<ConsumerBuilder<TKey, TValue>>? configure = null)
    {
        var builder = new ConsumerBuilder<TKey, TValue>(config);
        if (refreshToken is not null) builder.SetOAuthBearerTokenRefreshHandler(refreshToken);
        configureBuilder?.Invoke(builder);
        configure?.Invoke(builder);
        var telemetry = new KafkaClientTelemetry(metrics, logger, GroupId, KafkaClientConfig.StatisticsInterval(config));
        return builder
            .SetLogHandler((_, message) => telemetry.Log(message))
            .SetErrorHandler((_, error) => telemetry.Error(error))
            .SetStatisticsHandler((_, json) => telemetry.Statistics(json))
            .Build();
    }
}

static class KafkaClientConfig
{
    public static TimeSpan StatisticsInterval(ClientConfig config) => TimeSpan.FromMilliseconds(config.StatisticsIntervalMs ?? 0);
}
