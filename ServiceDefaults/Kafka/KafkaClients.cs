using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace ServiceDefaults.Kafka;

/// <summary>
/// Kafka client configuration by convention: <c>ConnectionStrings:&lt;name&gt;</c> holds the bootstrap servers (as
/// Aspire passes them); any other librdkafka property (security, SASL, tuning) comes from <c>Kafka:Client</c>,
/// <c>Kafka:Producer</c> and <c>Kafka:Consumer</c>, so a real cluster needs configuration only.
/// </summary>
public sealed class KafkaClients(IConfiguration configuration, string connectionName)
{
    public string BootstrapServers { get; } = configuration.GetConnectionString(connectionName)
        ?? throw new InvalidOperationException($"ConnectionStrings:{connectionName} is not configured (the Kafka bootstrap servers)");

    public ProducerConfig ProducerConfig()
    {
        var config = new ProducerConfig
        {
            BootstrapServers = BootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
        };
        return Apply(config, "Producer");
    }

    /// <summary>Offsets are committed by the application after its own database commit, never automatically.</summary>
    public ConsumerConfig ConsumerConfig(string groupId)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = BootstrapServers,
            GroupId = groupId,
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            // Faster group joins and fetches; librdkafka's mock broker waits session timeout - 1 s on a rejoin.
            SessionTimeoutMs = 6000,
            HeartbeatIntervalMs = 1000,
            FetchWaitMaxMs = 20,
        };
        return Apply(config, "Consumer");
    }

    public AdminClientConfig AdminConfig() => Apply(new AdminClientConfig { BootstrapServers = BootstrapServers }, "Admin");

    T Apply<T>(T config, string role) where T : ClientConfig
    {
        foreach (var (key, value) in Properties(role)) config.Set(key, value);
        return config;
    }

    IEnumerable<KeyValuePair<string, string>> Properties(string role) =>
        configuration.GetSection("Kafka:Client").GetChildren().Concat(configuration.GetSection($"Kafka:{role}").GetChildren())
            .Where(p => p.Value is not null)
            .Select(p => KeyValuePair.Create(p.Key, p.Value!));
}

public static class KafkaRegistration
{
    /// <summary>Registers <see cref="KafkaClients"/> for a connection string and a readiness check on the cluster's metadata.</summary>
    public static IHostApplicationBuilder AddKafka(this IHostApplicationBuilder builder, string connectionName)
    {
        var clients = new KafkaClients(builder.Configuration, connectionName);
        builder.Services.AddSingleton(clients);
        builder.Services.AddHealthChecks().Add(new(connectionName, _ => new KafkaHealthCheck(clients), null, [Extensions.ReadyTag]));
        return builder;
    }
}

/// <summary>Healthy when the cluster answers a metadata request.</summary>
sealed class KafkaHealthCheck(KafkaClients clients) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.Run(() =>
        {
            try
            {
                using var admin = new AdminClientBuilder(clients.AdminConfig()).Build();
                var metadata = admin.GetMetadata(TimeSpan.FromSeconds(3));
                return HealthCheckResult.Healthy($"{metadata.Brokers.Count} broker(s), {metadata.Topics.Count} topic(s)");
            }
            catch (KafkaException e)
            {
                return HealthCheckResult.Unhealthy($"Kafka at {clients.BootstrapServers}: {e.Error.Reason}");
            }
        }, cancellationToken);
}
