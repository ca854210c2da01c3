using System.Diagnostics;
using System.Diagnostics.Metrics;
using Temporalio.Runtime;

namespace ServiceDefaults.Temporal;

/// <summary>
/// The Temporal SDK's own metrics (worker task slots, poll and schedule-to-start latencies, workflow and activity
/// completions and failures, RPC calls…) as System.Diagnostics.Metrics instruments on the meter
/// <see cref="MeterName"/>, which OpenTelemetry exports with the service's other metrics.
/// </summary>
/// <remarks>
/// Stands in for <c>Temporalio.Extensions.DiagnosticSource</c>'s <c>CustomMetricMeter</c>, which this environment's
/// NuGet mirror does not serve. The SDK's core (Rust) calls it from its own threads, never from workflow code.
/// One <see cref="TemporalRuntime"/> per process carries it: every client created here shares <see cref="Runtime"/>.
/// </remarks>
public sealed class TemporalMetrics : ICustomMetricMeter, IDisposable
{
    public const string MeterName = "Temporalio";

    readonly Meter _meter;

    public TemporalMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        Runtime = new TemporalRuntime(new TemporalRuntimeOptions
        {
            Telemetry = new TelemetryOptions { Metrics = new MetricsOptions { CustomMetricMeter = this } },
        });
    }

    public TemporalRuntime Runtime { get; }

    public ICustomMetricCounter<T> CreateCounter<T>(string name, string? unit, string? description) where T : struct =>
        new Counter<T>(_meter.CreateCounter<T>(name, unit, description));

    public ICustomMetricHistogram<T> CreateHistogram<T>(string name, string? unit, string? description) where T : struct =>
        new Histogram<T>(_meter.CreateHistogram<T>(name, unit, description));

    public ICustomMetricGauge<T> CreateGauge<T>(string name, string? unit, string? description) where T : struct =>
        new Gauge<T>(_meter.CreateGauge<T>(name, unit, description));

    /// <summary>Tags are immutable: a new set is the parent's followed by the new ones.</summary>
    public object CreateTags(object? appendFrom, IReadOnlyCollection<KeyValuePair<string, object>> tags) =>
        (appendFrom as KeyValuePair<string, object?>[] ?? []).Concat(tags.Select(t => new KeyValuePair<string, object?>(t.Key, t.Value))).ToArray();

    public void Dispose() => _meter.Dispose();

    static ReadOnlySpan<KeyValuePair<string, object?>> Tags(object tags) => (KeyValuePair<string, object?>[])tags;

    sealed class Counter<T>(System.Diagnostics.Metrics.Counter<T> counter) : ICustomMetricCounter<T> where T : struct
    {
        public void Add(T value, object tags) => counter.Add(value, Tags(tags));
    }

    sealed class Histogram<T>(System.Diagnostics.Metrics.Histogram<T> histogram) : ICustomMetricHistogram<T> where T : struct
    {
        public void Record(T value, object tags) => histogram.Record(value, Tags(tags));
    }

    sealed class Gauge<T>(System.Diagnostics.Metrics.Gauge<T> gauge) : ICustomMetricGauge<T> where T : struct
    {
        public void Set(T value, object tags) => gauge.Record(value, Tags(tags));
    }
}
