using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Prices;

/// <summary>Spans and counters of the price-tick paths (ServiceDefaults exports every <c>Pipeline.*</c> source and meter).</summary>
public static class PriceTelemetry
{
    public const string Name = "Pipeline.Prices";

    public static readonly ActivitySource Source = new(Name);

    static readonly Meter Meter = new(Name);
    internal static readonly Counter<long> Produced = Meter.CreateCounter<long>("pipeline.prices.ticks.produced", "{tick}", "Price ticks delivered to Kafka");
    internal static readonly Counter<long> Read = Meter.CreateCounter<long>("pipeline.prices.report.messages", "{message}", "Messages read by price reports, by outcome (tick or rejected)");
    internal static readonly Histogram<double> ReportDuration = Meter.CreateHistogram<double>("pipeline.prices.report.duration", "s", "Time to read a topic and build its price report");
}
