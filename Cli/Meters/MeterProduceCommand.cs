using System.CommandLine;
using System.Globalization;
using Confluent.Kafka;
using Meters.Generation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ServiceDefaults;
using ServiceDefaults.Kafka;

namespace Cli.Meters;

/// <summary>
/// `pipeline meters produce`: the Feeds service's meter producer from a terminal, through the same Kafka registration
/// (ConnectionStrings__kafka or --kafka; Kafka:Producer:* for a real cluster).
/// </summary>
internal static class MeterProduceCommand
{
    public static Command Create()
    {
        var kafka = new Option<string?>("--kafka") { Description = "bootstrap servers (default: ConnectionStrings__kafka)" };
        var topic = new Option<string>("--topic") { Description = "topic", DefaultValueFactory = _ => MeterFeedOptions.DefaultTopic };
        var devices = new Option<string[]>("--devices") { Description = "only these devices' series (default: device1 device2)", AllowMultipleArgumentsPerToken = true };
        var interval = new Option<double>("--interval") { Description = "seconds between measurements of a series", DefaultValueFactory = _ => 10 };
        var probability = new Option<double>("--probability") { Description = "chance that a due measurement is sent (the rest are dropped)", DefaultValueFactory = _ => 0.5 };
        var jitter = new Option<double>("--jitter") { Description = "t_measurement moves up to ± this many seconds off the tick", DefaultValueFactory = _ => 0 };
        var backfill = new Option<double>("--backfill-hours") { Description = "hours of history sent at once at start", DefaultValueFactory = _ => 0 };
        var speed = new Option<double>("--speed") { Description = "simulated seconds per real second", DefaultValueFactory = _ => 1 };
        var duration = new Option<double?>("--for") { Description = "stop after this many simulated seconds (0: send the backfill and stop; default: until Ctrl+C)" };
        var seed = new Option<int>("--seed") { Description = "seed of drops, jitter and values (the same seed repeats the same messages)", DefaultValueFactory = _ => new MeterFeedOptions().Seed };
        var command = new Command("produce", "send meter measurements {t_measurement, t_report, device_id, signal_name, value} to Kafka every interval")
        {
            kafka, topic, devices, interval, probability, jitter, backfill, speed, duration, seed,
        };
        command.SetAction(async (parsed, ct) =>
        {
            var options = new MeterFeedOptions
            {
                Topic = parsed.GetValue(topic)!,
                Devices = parsed.GetValue(devices) is { Length: > 0 } d ? d : null,
                Interval = TimeSpan.FromSeconds(parsed.GetValue(interval)),
                SendProbability = parsed.GetValue(probability),
                Jitter = TimeSpan.FromSeconds(parsed.GetValue(jitter)),
                BackfillHours = parsed.GetValue(backfill),
                Speed = parsed.GetValue(speed),
                Seed = parsed.GetValue(seed),
            };
            if (options.Validate() is { } problem) return MetersCommands.Fail(MetersCommands.BadArguments, problem);
            if (parsed.GetValue(duration) is < 0) return MetersCommands.Fail(MetersCommands.BadArguments, "--for must not be negative");

            using var host = BuildHost(parsed.GetValue(kafka));
            if (host is null) return MetersCommands.Fail(MetersCommands.BadArguments, "no Kafka: pass --kafka host:port or set ConnectionStrings__kafka");
            await host.StartAsync(ct);
            try
            {
                var producer = host.Services.GetRequiredService<IProducer<byte[]?, byte[]>>();
                var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("meters.produce");
                var start = DateTime.UtcNow;
                DateTime? until = parsed.GetValue(duration) is { } seconds ? start.AddSeconds(seconds) : null;
                long sent;
                try
                {
                    sent = await new MeterProducer(producer, options, TimeProvider.System, logger).RunAsync(until, ct);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    producer.Flush(TimeSpan.FromSeconds(10));
                    return MetersCommands.Ok;
                }
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sent {sent:N0} meter message(s) to {options.Topic}"));
                return MetersCommands.Ok;
            }
            catch (KafkaException e)
            {
                return MetersCommands.Fail(MetersCommands.Failed, $"Kafka: {e.Error.Reason}");
            }
            finally
            {
                await host.StopAsync(CancellationToken.None);
            }
        });
        return command;
    }

    static IHost? BuildHost(string? kafka)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "pipeline", DisableDefaults = true });
        builder.Configuration.AddEnvironmentVariables();
        if (kafka is not null) builder.Configuration.AddInMemoryCollection([new("ConnectionStrings:kafka", kafka)]);
        if (builder.Configuration.GetConnectionString("kafka") is null) return null;
        builder.AddServiceDefaults();
        builder.AddKafkaProducer<byte[]?, byte[]>("kafka", settings => settings.DisableHealthChecks = true);
        return builder.Build();
    }
}
