using Confluent.Kafka;
using Prices;
using ServiceDefaults.Kafka;

namespace Feeds.Prices;

/// <summary>
/// <c>PriceFeed</c> settings: <c>Count</c> ticks (0 turns the feed off), <c>Symbols</c> (as <c>pipeline prices produce
/// --symbols</c>), <c>Outliers</c>, <c>Seed</c>, <c>Topic</c>.
/// </summary>
public sealed class PriceFeedConfigurationException(string message, Exception? inner = null) : Exception(message, inner);

public sealed record PriceFeedOptions(int Count, IReadOnlyList<SymbolDistribution> Symbols, int Outliers, int Seed, string Topic)
{
    public static PriceFeedOptions FromConfiguration(IConfiguration configuration)
    {
        var section = configuration.GetSection("PriceFeed");
        var count = section.GetValue("Count", 0);
        var outliers = section.GetValue("Outliers", 0);
        if (count < 0) throw new PriceFeedConfigurationException($"PriceFeed:Count {count} must be 0 (off) or more");
        if (outliers < 0 || outliers > count) throw new PriceFeedConfigurationException($"PriceFeed:Outliers {outliers} must be between 0 and PriceFeed:Count");
        IReadOnlyList<SymbolDistribution> symbols;
        try
        {
            symbols = section["Symbols"] is { Length: > 0 } text ? SymbolDistribution.ParseList(text) : PriceGenerationOptions.DefaultSymbols;
        }
        catch (FormatException e)
        {
            throw new PriceFeedConfigurationException($"PriceFeed:Symbols: {e.Message}", e);
        }
        return new(count, symbols, outliers, section.GetValue("Seed", 1), section["Topic"] is { Length: > 0 } topic ? topic : PriceTickProducer.DefaultTopic);
    }
}

/// <summary>
/// Sends one batch of generated price ticks (timestamps from now) to the <c>prices</c> topic when Feeds starts, so the
/// price report has something to read. Once only: a topic that already holds messages gets no second batch (a Feeds
/// restart must not change what the reports count).
/// </summary>
sealed class PriceFeed(PriceFeedOptions options, IProducer<string, string> producer,
    [FromKeyedServices(PriceFeed.ConsumerKey)] KafkaConsumerFactory<Ignore, byte[]> consumers, TimeProvider time, ILogger<PriceFeed> logger)
    : BackgroundService
{
    /// <summary>The key (and group id, never joined) of the consumer that counts the topic's messages.</summary>
    public const string ConsumerKey = "price-feed";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Count == 0) return;
        if (await ExistingMessagesAsync(stoppingToken) is > 0 and var existing)
        {
            logger.LogInformation("topic {Topic} already holds {Messages} messages: no second batch of price ticks", options.Topic, existing);
            return;
        }
        var now = time.GetUtcNow().UtcDateTime;
        var (ticks, _) = PriceGenerator.Generate(new PriceGenerationOptions
        {
            Count = options.Count,
            Symbols = options.Symbols,
            Outliers = options.Outliers,
            Seed = options.Seed,
            Start = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc),
        });
        try
        {
            var delivered = await PriceTickProducer.ProduceAsync(producer, options.Topic, ticks, stoppingToken);
            logger.LogInformation("produced {Ticks} price ticks for {Symbols} to {Topic}", delivered, string.Join(", ", options.Symbols.Select(s => s.Symbol)), options.Topic);
        }
        catch (KafkaException e)
        {
            logger.LogError("price ticks not produced to {Topic}: {Reason}", options.Topic, e.Error.Reason);
        }
    }

    /// <summary>Messages in the topic now; 0 when it does not exist yet (the first produce creates it on a cluster that auto-creates topics).</summary>
    async Task<long> ExistingMessagesAsync(CancellationToken ct)
    {
        using var consumer = consumers.Create();
        try
        {
            return await Task.Run(() => PriceTopic.Ranges(consumer, options.Topic, PriceTopic.DefaultStallTimeout).Sum(p => p.High - p.Low), ct);
        }
        catch (PriceTopicException e) when (e.Message.EndsWith("does not exist", StringComparison.Ordinal))
        {
            return 0;
        }
    }
}

static class PriceFeedRegistration
{
    /// <summary>The price feed, off unless <c>PriceFeed:Count</c> is above 0; a bad setting stops Feeds at start.</summary>
    public static void AddPriceFeed(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(PriceFeedOptions.FromConfiguration(builder.Configuration));
        // registered as every Kafka client is, so that Kafka:Client and Kafka:Authentication (MSK IAM's token handler, SASL) apply to it
        builder.AddKeyedKafkaConsumer<Ignore, byte[]>("kafka", PriceFeed.ConsumerKey, settings => settings.Config.GroupId = PriceFeed.ConsumerKey);
        builder.Services.AddHostedService<PriceFeed>();
    }
}
