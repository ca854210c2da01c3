using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Prices;
using ServiceDefaults;
using ServiceDefaults.Kafka;

namespace Cli.Prices;

/// <summary>
/// The Kafka clients of `prices produce` and `prices report`, registered as the services register theirs
/// (ServiceDefaults: librdkafka logs and statistics as metrics, spans; OTLP export with OTEL_EXPORTER_OTLP_ENDPOINT set).
/// Bootstrap servers: --kafka, else ConnectionStrings__kafka, else the local broker's address.
/// </summary>
static class PricesHost
{
    public const string DefaultBootstrapServers = "127.0.0.1:9092";

    public static IHost Build(string? kafka)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "pipeline", DisableDefaults = true });
        builder.Configuration.AddEnvironmentVariables();
        if (kafka is not null || builder.Configuration.GetConnectionString("kafka") is null)
            builder.Configuration.AddInMemoryCollection([new("ConnectionStrings:kafka", kafka ?? DefaultBootstrapServers)]);
        builder.AddServiceDefaults();
        builder.AddKafkaProducer<string, string>("kafka", settings =>
        {
            settings.DisableHealthChecks = true;
            // zstd: the local broker keeps at most 5 MiB per partition (STACK.md); a million ticks fit compressed.
            settings.Config.CompressionType = CompressionType.Zstd;
            settings.Config.MessageTimeoutMs = 30_000;
        });
        builder.AddKafkaConsumer<Ignore, byte[]>("kafka", settings =>
        {
            settings.DisableHealthChecks = true;
            PriceTopic.Configure(settings.Config);
        });
        return builder.Build();
    }

    public static string BootstrapServers(IHost host) =>
        ((IConfiguration)host.Services.GetService(typeof(IConfiguration))!).GetConnectionString("kafka")!;
}
