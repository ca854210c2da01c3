using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace ServiceDefaults.Kafka;

/// <summary>
/// Kafka clients registered the way Aspire.Confluent.Kafka registers them (that package is not on this environment's
/// mirror): <c>ConnectionStrings:&lt;name&gt;</c> holds the bootstrap servers (as the AppHost passes them); any other
/// librdkafka property (security, SASL, tuning) comes from <c>Kafka:Client</c> and <c>Kafka:Producer</c> or
/// <c>Kafka:Consumer</c>, so a real cluster needs configuration only; <c>Kafka:Authentication</c> switches on MSK IAM or
/// SASL/PLAIN (<see cref="KafkaAuthentication"/>). Each registration adds a health check on the cluster and librdkafka's
/// statistics as metrics (<see cref="KafkaMetrics"/>).
/// </summary>
public static class KafkaRegistration
{
    const string LoggerCategory = "ServiceDefaults.Kafka";

    /// <summary>Registers an <see cref="IProducer{TKey,TValue}"/> singleton (and its <see cref="KafkaProducerFactory{TKey,TValue}"/>).</summary>
    public static IHostApplicationBuilder AddKafkaProducer<TKey, TValue>(this IHostApplicationBuilder builder, string connectionName,
        Action<KafkaProducerSettings>? configureSettings = null, Action<ProducerBuilder<TKey, TValue>>? configureBuilder = null)
    {
        var settings = new KafkaProducerSettings { ConnectionString = BootstrapServers(builder.Configuration, connectionName) };
        Apply(builder, settings.Config, "Producer");
        configureSettings?.Invoke(settings);
        settings.Config.BootstrapServers = settings.ConnectionString;
        AddMetrics(builder, settings.Config, settings.DisableMetrics);
        if (!settings.DisableHealthChecks) builder.AddKafkaHealthCheck(connectionName);

        var authentication = Authentication(builder);
        builder.Services.AddSingleton(sp => new KafkaProducerFactory<TKey, TValue>(settings.Config, sp.GetRequiredService<KafkaMetrics>(), Logger(sp), configureBuilder, authentication.RefreshToken));
        builder.Services.AddSingleton(sp => sp.GetRequiredService<KafkaProducerFactory<TKey, TValue>>().Create());
        return builder;
    }

    /// <summary>Registers an <see cref="IConsumer{TKey,TValue}"/> singleton (and its <see cref="KafkaConsumerFactory{TKey,TValue}"/>).</summary>
    public static IHostApplicationBuilder AddKafkaConsumer<TKey, TValue>(this IHostApplicationBuilder builder, string connectionName,
        Action<KafkaConsumerSettings>? configureSettings = null, Action<ConsumerBuilder<TKey, TValue>>? configureBuilder = null) =>
        AddKafkaConsumer(builder, connectionName, serviceKey: null, configureSettings, configureBuilder);

    /// <summary>
    /// Registers a keyed consumer. Aspire's keyed overloads use one name for the connection and the key; here several
    /// consumer groups share one cluster, so the key is separate from the connection name.
    /// </summary>
    public static IHostApplicationBuilder AddKeyedKafkaConsumer<TKey, TValue>(this IHostApplicationBuilder builder, string connectionName, object serviceKey,
        Action<KafkaConsumerSettings>? configureSettings = null, Action<ConsumerBuilder<TKey, TValue>>? configureBuilder = null) =>
        AddKafkaConsumer(builder, connectionName, serviceKey, configureSettings, configureBuilder);

    static IHostApplicationBuilder AddKafkaConsumer<TKey, TValue>(IHostApplicationBuilder builder, string connectionName, object? serviceKey,
        Action<KafkaConsumerSettings>? configureSettings, Action<ConsumerBuilder<TKey, TValue>>? configureBuilder)
    {
        var settings = new KafkaConsumerSettings { ConnectionString = BootstrapServers(builder.Configuration, connectionName) };
        Apply(builder, settings.Config, "Consumer");
        configureSettings?.Invoke(settings);
        settings.Config.BootstrapServers = settings.ConnectionString;
        if (settings.Config.GroupId is null) throw new InvalidOperationException($"the Kafka consumer of {connectionName} has no group id (Kafka:Consumer:group.id or KafkaConsumerSettings.Config.GroupId)");
        AddMetrics(builder, settings.Config, settings.DisableMetrics);
        if (!settings.DisableHealthChecks) builder.AddKafkaHealthCheck(connectionName);

        var authentication = Authentication(builder);
        KafkaConsumerFactory<TKey, TValue> Factory(IServiceProvider sp) => new(settings.Config, sp.GetRequiredService<KafkaMetrics>(), Logger(sp), configureBuilder, authentication.RefreshToken);
        if (serviceKey is null)
        {
            builder.Services.AddSingleton(Factory);
            builder.Services.AddSingleton(sp => sp.GetRequiredService<KafkaConsumerFactory<TKey, TValue>>().Create());
        }
        else
        {
            builder.Services.AddKeyedSingleton(serviceKey, (sp, _) => Factory(sp));
            builder.Services.AddKeyedSingleton(serviceKey, (sp, key) => sp.GetRequiredKeyedService<KafkaConsumerFactory<TKey, TValue>>(key).Create());
        }
        return builder;
    }

    /// <summary>A readiness check that the cluster answers a metadata request; added once per connection name.</summary>
    public static IHostApplicationBuilder AddKafkaHealthCheck(this IHostApplicationBuilder builder, string connectionName)
    {
        if (!builder.Properties.TryAdd((typeof(KafkaHealthCheck), connectionName), true)) return builder;
        var config = new AdminClientConfig { BootstrapServers = BootstrapServers(builder.Configuration, connectionName) };
        Apply(builder, config, "Admin");
        var refreshToken = Authentication(builder).RefreshToken;
        builder.Services.AddHealthChecks().Add(new(connectionName, _ => new KafkaHealthCheck(config, refreshToken), null, [Extensions.ReadyTag]));
        return builder;
    }

    static string BootstrapServers(IConfiguration configuration, string connectionName) =>
        configuration.GetConnectionString(connectionName)
        ?? throw new InvalidOperationException($"ConnectionStrings:{connectionName} is not configured (the Kafka bootstrap servers)");

    /// <summary>librdkafka properties by name: <c>Kafka:Client</c> for every client, then the role's own section, then the authentication's.</summary>
    static void Apply(IHostApplicationBuilder builder, ClientConfig config, string role)
    {
        var configuration = builder.Configuration;
        foreach (var property in configuration.GetSection("Kafka:Client").GetChildren().Concat(configuration.GetSection($"Kafka:{role}").GetChildren()))
            if (property.Value is not null) config.Set(property.Key, property.Value);
        Authentication(builder).Apply(config);
    }

    /// <summary>One <see cref="KafkaAuthentication"/> per host (its MSK IAM token provider holds the credential chain).</summary>
    static KafkaAuthentication Authentication(IHostApplicationBuilder builder)
    {
        if (builder.Properties.TryGetValue(typeof(KafkaAuthentication), out var existing)) return (KafkaAuthentication)existing;
        var authentication = KafkaAuthentication.FromConfiguration(builder.Configuration);
        builder.Properties[typeof(KafkaAuthentication)] = authentication;
        return authentication;
    }

    static void AddMetrics(IHostApplicationBuilder builder, ClientConfig config, bool disabled)
    {
        builder.Services.AddMetrics();
        builder.Services.TryAddSingleton<KafkaMetrics>();
        if (disabled) return;
        // librdkafka sends no statistics unless asked to; once a second is what Aspire's Kafka client asks for.
        config.StatisticsIntervalMs ??= 1000;
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(KafkaMetrics.MeterName));
    }

    static ILogger Logger(IServiceProvider services) => services.GetRequiredService<ILoggerFactory>().CreateLogger(LoggerCategory);
}

/// <summary>Healthy when the cluster answers a metadata request.</summary>
sealed class KafkaHealthCheck(AdminClientConfig config, Action<IClient, string>? refreshToken) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.Run(() =>
        {
            try
            {
                var builder = new AdminClientBuilder(config);
                if (refreshToken is not null) builder.SetOAuthBearerTokenRefreshHandler(refreshToken);
                using var admin = builder.Build();
                var metadata = admin.GetMetadata(TimeSpan.FromSeconds(3));
                return HealthCheckResult.Healthy($"{metadata.Brokers.Count} broker(s), {metadata.Topics.Count} topic(s)");
            }
            catch (KafkaException e)
            {
                return HealthCheckResult.Unhealthy($"Kafka at {config.BootstrapServers}: {e.Error.Reason}");
            }
        }, cancellationToken);
}
