using ServiceDefaults.Kafka;

namespace Workers.Ingestion;

public static class KafkaIngestionRegistration
{
    /// <summary>
    /// Registers an ingestion service with a consumer group of its own on the <c>kafka</c> connection: the group's
    /// consumers (keyed by the group) and the <see cref="TransactionalKafkaConsumer"/> the service takes by that key.
    /// </summary>
    public static IHostApplicationBuilder AddKafkaIngestion<TService>(this IHostApplicationBuilder builder, string group)
        where TService : class, IHostedService
    {
        builder.AddKeyedKafkaConsumer<byte[]?, byte[]?>("kafka", group, settings =>
        {
            settings.Config.GroupId = group;
            // Headers are never read; marshalling them costs every record.
            settings.Config.ConsumeResultFields = "topic,timestamp";
            // librdkafka commits in the background only the offsets stored after PostgreSQL committed the rows.
            settings.Config.EnableAutoCommit = true;
            settings.Config.EnableAutoOffsetStore = false;
        });
        builder.Services.AddKeyedSingleton(group, (sp, key) =>
            ActivatorUtilities.CreateInstance<TransactionalKafkaConsumer>(sp, sp.GetRequiredKeyedService<KafkaConsumerFactory<byte[]?, byte[]?>>(key)));
        builder.Services.AddHostedService<TService>();
        return builder;
    }
}
