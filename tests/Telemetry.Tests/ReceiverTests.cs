using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Telemetry;
using Telemetry.Metrics;
using Telemetry.Storage;
using TestSupport;

namespace Telemetry.Tests;

[CollectionDefinition("telemetry")]
public sealed class TelemetryCollection : ICollectionFixture<PostgresFixture>;

/// <summary>The receiver against the real OpenTelemetry .NET OTLP/HTTP exporter, storing into real PostgreSQL.</summary>
[Collection("telemetry")]
public sealed class ReceiverTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Spans_from_the_real_OTLP_exporter_are_stored_with_names_parents_kinds_status_and_service()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("otlp"));
        await using var receiver = new OtlpReceiver(dataSource);
        await receiver.StartAsync(port: 0);

        using var source = new ActivitySource("Test.Receiver." + Guid.NewGuid().ToString("N"));
        string traceId, rootId, childId, grandchildId;
        using (var provider = Sdk.CreateTracerProviderBuilder()
            .AddSource(source.Name)
            .ConfigureResource(r => r.AddService("svc-under-test"))
            .AddOtlpExporter(o => Exporter(o, receiver, "/v1/traces"))
            .Build())
        {
            using (var root = source.StartActivity("GET /orders", ActivityKind.Server)!)
            {
                root.SetTag("http.route", "/orders");
                root.SetTag("http.response.status_code", 200);
                using (var child = source.StartActivity("SELECT orders", ActivityKind.Client)!)
                {
                    child.SetTag("db.system", "postgresql");
                    using var grandchild = source.StartActivity("parse", ActivityKind.Internal)!;
                    grandchild.SetStatus(ActivityStatusCode.Error, "bad row");
                    grandchildId = grandchild.SpanId.ToHexString();
                    childId = child.SpanId.ToHexString();
                }
                traceId = root.TraceId.ToHexString();
                rootId = root.SpanId.ToHexString();
            }
            Assert.True(provider.ForceFlush(10_000), "exporter did not flush");
        }

        var trace = await new TelemetryReader(dataSource).TraceAsync(traceId);
        Assert.NotNull(trace);
        Assert.Equal(["svc-under-test"], trace.Services);
        Assert.Collection(trace.Spans,
            r => Assert.Equal((rootId, (string?)null, "GET /orders", SpanKind.Server, 0), (r.Span.SpanId, r.Span.ParentSpanId, r.Span.Name, r.Span.Kind, r.Depth)),
            r => Assert.Equal((childId, (string?)rootId, "SELECT orders", SpanKind.Client, 1), (r.Span.SpanId, r.Span.ParentSpanId, r.Span.Name, r.Span.Kind, r.Depth)),
            r => Assert.Equal((grandchildId, (string?)childId, "parse", SpanKind.Internal, 2), (r.Span.SpanId, r.Span.ParentSpanId, r.Span.Name, r.Span.Kind, r.Depth)));
        var stored = trace.Spans.Select(r => r.Span).ToList();
        Assert.All(stored, s => Assert.Equal("svc-under-test", s.ServiceName));
        Assert.All(stored, s => Assert.Equal(source.Name, s.ScopeName));
        Assert.Equal("/orders", stored[0].Attributes["http.route"]);
        Assert.Equal("200", stored[0].Attributes["http.response.status_code"]);
        Assert.Equal((SpanStatus.Error, "bad row"), (stored[2].Status, stored[2].StatusMessage));
        Assert.Equal(SpanStatus.Unset, stored[0].Status);
        Assert.All(stored, s => Assert.True(s.EndNs >= s.StartNs && s.StartNs > 1_700_000_000L * 1_000_000_000));
        Assert.True(stored[1].StartNs >= stored[0].StartNs && stored[1].EndNs <= stored[0].EndNs, "child outside its parent");
        Assert.Equal(3, receiver.SpansReceived);

        var list = await new TelemetryReader(dataSource).RecentTracesAsync("svc-under-test", 10);
        var summary = Assert.Single(list);
        Assert.Equal((traceId, "GET /orders", "svc-under-test", 3, 1), (summary.TraceId, summary.RootName, summary.RootService, summary.SpanCount, summary.ErrorCount));
        Assert.Empty(await new TelemetryReader(dataSource).RecentTracesAsync("another-service", 10));
    }

    [Fact]
    public async Task Logs_from_the_real_OTLP_exporter_are_stored_with_severity_body_and_trace_context_and_are_searchable()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("otlplogs"));
        await using var receiver = new OtlpReceiver(dataSource);
        await receiver.StartAsync(port: 0);

        using var source = new ActivitySource("Test.Logs." + Guid.NewGuid().ToString("N"));
        using var listener = new ActivityListener { ShouldListenTo = s => s == source, Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded };
        ActivitySource.AddActivityListener(listener);
        string traceId;
        using (var factory = LoggerFactory.Create(b => b.AddOpenTelemetry(o =>
        {
            o.IncludeFormattedMessage = true;
            o.SetResourceBuilder(ResourceBuilder.CreateDefault().AddService("logging-service"));
            o.AddOtlpExporter(e => Exporter(e, receiver, "/v1/logs"));
        })))
        {
            var logger = factory.CreateLogger("Test.Category");
            using (var activity = source.StartActivity("work")!)
            {
                traceId = activity.TraceId.ToHexString();
                logger.LogWarning("Batch {Batch} took {Seconds} s", 42, 1.5);
            }
            logger.LogInformation("unrelated line");
        }

        var reader = new TelemetryReader(dataSource);
        var found = Assert.Single(await reader.LogsAsync("batch 42", null, null, null, 100));
        Assert.Equal(("logging-service", "Test.Category", 13, traceId), (found.ServiceName, found.ScopeName, found.SeverityNumber, found.TraceId));
        Assert.Equal("Batch 42 took 1.5 s", found.Body);
        Assert.Equal("42", found.Attributes["Batch"]);
        Assert.Equal(2, (await reader.LogsAsync(null, "logging-service", null, null, 100)).Count);
        Assert.Single(await reader.LogsAsync(null, null, 13, null, 100));
        Assert.Single(await reader.LogsAsync(null, null, null, traceId, 100));
        Assert.Empty(await reader.LogsAsync("100%_", null, null, null, 100));
    }

    [Fact]
    public async Task Metrics_from_the_real_OTLP_exporter_are_stored_with_the_exact_counter_gauge_and_histogram_values()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("otlpmetrics"));
        await using var receiver = new OtlpReceiver(dataSource);
        await receiver.StartAsync(port: 0);

        using var meter = new Meter("Test.Metrics." + Guid.NewGuid().ToString("N"));
        var orders = meter.CreateCounter<long>("orders.received", unit: "{order}", description: "Orders received");
        var depth = 21.5;
        meter.CreateObservableGauge("queue.depth", () => new Measurement<double>(depth, new KeyValuePair<string, object?>("queue", "trades")), unit: "{message}");
        var duration = meter.CreateHistogram<double>("import.duration", unit: "ms");
        using var provider = Sdk.CreateMeterProviderBuilder() // kept until the end: disposing it exports once more
            .AddMeter(meter.Name)
            .ConfigureResource(r => r.AddService("metrics-service"))
            .AddOtlpExporter((o, reader) =>
            {
                Exporter(o, receiver, "/v1/metrics");
                reader.TemporalityPreference = MetricReaderTemporalityPreference.Cumulative;
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 3_600_000; // only our flushes export
            })
            .Build();
        orders.Add(3, new KeyValuePair<string, object?>("route", "/a"));
        orders.Add(4, new KeyValuePair<string, object?>("route", "/a"));
        orders.Add(10, new KeyValuePair<string, object?>("route", "/b"));
        foreach (var ms in new[] { 1.0, 7, 30, 600 }) duration.Record(ms);
        Assert.True(provider.ForceFlush(10_000), "first export did not flush");
        orders.Add(5, new KeyValuePair<string, object?>("route", "/a"));
        depth = 19.25;
        duration.Record(3);
        Assert.True(provider.ForceFlush(10_000), "second export did not flush");

        var reader = new TelemetryReader(dataSource);
        var list = await reader.MetricsAsync("metrics-service", null, 100);
        Assert.Equal(["import.duration", "orders.received", "queue.depth"], list.Select(m => m.Name));
        Assert.Equal(
            [(MetricKind.Histogram, MetricTemporality.Cumulative, false, "ms", 2L, 1), (MetricKind.Sum, MetricTemporality.Cumulative, true, "{order}", 4L, 2),
             (MetricKind.Gauge, MetricTemporality.Unspecified, false, "{message}", 2L, 1)],
            list.Select(m => (m.Kind, m.Temporality, m.IsMonotonic, m.Unit, m.Points, m.Series)));
        Assert.Equal("Orders received", list[1].Description);
        Assert.Equal(19.25, list[2].LatestValue);
        Assert.Equal(8, receiver.MetricPointsReceived); // two exports of: 2 counter series, 1 gauge, 1 histogram

        var counter = (await reader.MetricAsync("orders.received", "metrics-service", TimeSpan.FromHours(1), 1000))!;
        var a = Assert.Single(counter.Series, s => s.Attributes["route"] == "/a");
        var b = Assert.Single(counter.Series, s => s.Attributes["route"] == "/b");
        Assert.Equal([7.0, 12.0], a.Points.Select(p => p.Value));
        Assert.Equal([10.0, 10.0], b.Points.Select(p => p.Value));
        Assert.Equal(a.Points[0].StartNs, a.Points[1].StartNs);
        Assert.True(a.Points[0].StartNs > 0 && a.Points[0].StartNs < a.Points[0].TimeNs && a.Points[0].TimeNs < a.Points[1].TimeNs);
        var rate = Assert.Single(MetricChart.Rates(a.Points, counter.Temporality));
        Assert.Equal(5 / ((a.Points[1].TimeNs - a.Points[0].TimeNs) / 1e9), rate.Value);

        var gauge = Assert.Single((await reader.MetricAsync("queue.depth", null, TimeSpan.FromHours(1), 1000))!.Series);
        Assert.Equal(("metrics-service", "trades"), (gauge.ServiceName, gauge.Attributes["queue"]));
        Assert.Equal([21.5, 19.25], gauge.Points.Select(p => p.Value));

        var histogram = (await reader.MetricAsync("import.duration", null, TimeSpan.FromHours(1), 1000))!;
        var points = Assert.Single(histogram.Series).Points;
        double[] defaultBounds = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];
        var first = points[0].Histogram!;
        Assert.Equal((4L, (double?)638, (double?)1, (double?)600), (first.Count, first.Sum, first.Min, first.Max));
        Assert.Equal(defaultBounds, first.ExplicitBounds);
        Assert.Equal([0L, 1, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0], first.BucketCounts);
        var second = points[1].Histogram!;
        Assert.Equal((5L, (double?)641, (double?)1, (double?)600), (second.Count, second.Sum, second.Min, second.Max));
        Assert.Equal([0L, 2, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0], second.BucketCounts);
        var window = Assert.Single(MetricChart.HistogramWindows(points, histogram.Temporality));
        Assert.Equal((3.0, 4.75), (window.Value, window.P95)); // one recording of 3 ms between the exports, in bucket (0, 5]
    }

    [Fact]
    public async Task A_span_exported_twice_is_stored_once_and_an_empty_metrics_export_is_accepted()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("otlpdup"));
        await using var receiver = new OtlpReceiver(dataSource);
        await receiver.StartAsync(port: 0);
        var span = new SpanRecord("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", null, "root", SpanKind.Server, "s", null,
            1_700_000_000_000_000_000, 1_700_000_000_500_000_000, SpanStatus.Ok, null, new Dictionary<string, string>());
        var writer = new TelemetryWriter(dataSource);
        await writer.WriteSpansAsync([span]);
        await writer.WriteSpansAsync([span]);
        var trace = await new TelemetryReader(dataSource).TraceAsync(span.TraceId);
        Assert.Equal(500, Assert.Single(trace!.Spans).Span.DurationMs);

        using var http = new HttpClient();
        using var metrics = await http.PostAsync(new Uri(receiver.Endpoint, "/v1/metrics"), new ByteArrayContent([]));
        Assert.True(metrics.IsSuccessStatusCode);
        using var json = await http.PostAsync(new Uri(receiver.Endpoint, "/v1/traces"), new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.UnsupportedMediaType, json.StatusCode);
    }

    [Fact]
    public async Task Without_the_schema_the_reader_returns_nothing_instead_of_failing()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("otlpnone"));
        var reader = new TelemetryReader(dataSource);
        Assert.Empty(await reader.RecentTracesAsync(null, 10));
        Assert.Null(await reader.TraceAsync("0af7651916cd43dd8448eb211c80319c"));
        Assert.Empty(await reader.LogsAsync(null, null, null, null, 10));
        Assert.Empty(await reader.MetricsAsync(null, null, 10));
        Assert.Null(await reader.MetricAsync("http.server.request.duration", null, TimeSpan.FromHours(1), 10));
    }

    static void Exporter(OtlpExporterOptions o, OtlpReceiver receiver, string path)
    {
        o.Endpoint = new Uri(receiver.Endpoint, path);
        o.Protocol = OtlpExportProtocol.HttpProtobuf;
        o.ExportProcessorType = ExportProcessorType.Simple;
    }
}
