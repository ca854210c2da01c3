using System.IO.Compression;
using System.Net;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Telemetry.Otlp.Proto;
using Telemetry.Storage;

namespace Telemetry;

/// <summary>
/// A local OTLP/HTTP (protobuf) receiver on 127.0.0.1: <c>POST /v1/traces</c>, <c>/v1/logs</c> and <c>/v1/metrics</c>
/// are stored in the <c>telemetry</c> schema. In the background it deletes what is older than <see cref="Retention"/>.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    const long MaxBody = 32 * 1024 * 1024;
    readonly NpgsqlDataSource _dataSource;
    readonly bool _ownsDataSource;
    WebApplication? _app;

    public OtlpReceiver(string connectionString) : this(NpgsqlDataSource.Create(connectionString), ownsDataSource: true) { }

    public OtlpReceiver(NpgsqlDataSource dataSource, bool ownsDataSource = false)
    {
        _dataSource = dataSource;
        _ownsDataSource = ownsDataSource;
    }

    public int Port { get; private set; }

    /// <summary>The base URL to give exporters as <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (they append <c>/v1/traces</c> etc.).</summary>
    public Uri Endpoint => new($"http://127.0.0.1:{Port}");

    /// <summary>How long rows are kept (default: <c>Telemetry:RetentionHours</c>'s default, 24 h).</summary>
    public RetentionPolicy Retention { get; init; } = new();

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public long SpansReceived => Interlocked.Read(ref _spans);
    public long LogsReceived => Interlocked.Read(ref _logs);
    public long MetricPointsReceived => Interlocked.Read(ref _metricPoints);
    long _spans, _logs, _metricPoints;

    /// <summary>Rows deleted by retention since start.</summary>
    public long RowsExpired => Interlocked.Read(ref _expired);
    long _expired;

    /// <summary>The last failure of a retention pass (PostgreSQL unreachable…); the next pass retries. Null after a pass succeeds.</summary>
    public Exception? LastRetentionError { get; private set; }

    readonly CancellationTokenSource _stopping = new();
    Task _retention = Task.CompletedTask;

    /// <summary>Applies the schema's migrations, then listens on <paramref name="port"/> (0: a free port).</summary>
    public async Task StartAsync(int port, CancellationToken ct = default)
    {
        await TelemetrySchema.ApplyAsync(_dataSource, ct);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, port);
            k.Limits.MaxRequestBodySize = MaxBody;
        });
        var writer = new TelemetryWriter(_dataSource);
        builder.Services.AddSingleton(writer);
        var app = builder.Build();
        app.MapPost("/v1/traces", (HttpRequest request, CancellationToken token) => ReceiveAsync(request, OtlpDecoder.DecodeTraces, writer.WriteSpansAsync,
            n => Interlocked.Add(ref _spans, n), new ExportTraceServiceResponse(), token));
        app.MapPost("/v1/logs", (HttpRequest request, CancellationToken token) => ReceiveAsync(request, OtlpDecoder.DecodeLogs, writer.WriteLogsAsync,
            n => Interlocked.Add(ref _logs, n), new ExportLogsServiceResponse(), token));
        app.MapPost("/v1/metrics", (HttpRequest request, CancellationToken token) => ReceiveAsync(request, OtlpDecoder.DecodeMetrics, writer.WriteMetricPointsAsync,
            n => Interlocked.Add(ref _metricPoints, n), new ExportMetricsServiceResponse(), token));
        app.MapGet("/health", () => Results.Ok("healthy"));
        await app.StartAsync(ct);
        _app = app;
        Port = new Uri(app.Urls.First()).Port;
        if (Retention.MaxAge is { } maxAge) _retention = Task.Run(() => ExpireAsync(maxAge, _stopping.Token), CancellationToken.None);
    }

    /// <summary>A retention pass at start, then one every <see cref="RetentionPolicy.Interval"/>, beside (never in) ingestion.</summary>
    async Task ExpireAsync(TimeSpan maxAge, CancellationToken ct)
    {
        var retention = new TelemetryRetention(_dataSource);
        using var timer = new PeriodicTimer(Retention.Interval, TimeProvider);
        try
        {
            do
            {
                try
                {
                    var deleted = await retention.DeleteOlderThanAsync(TimeProvider.GetUtcNow() - maxAge, Retention.BatchSize, ct);
                    Interlocked.Add(ref _expired, deleted.Total);
                    LastRetentionError = null;
                }
                // Whatever failed (PostgreSQL down, a timeout), the next tick retries: retention must outlive a bad pass.
                catch (Exception e) when (e is not OperationCanceledException) { LastRetentionError = e; }
            } while (await timer.WaitForNextTickAsync(ct));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
    }

    /// <summary>One export request: decode, store, count, answer with the (empty) Export*ServiceResponse.</summary>
    static async Task<IResult> ReceiveAsync<T>(HttpRequest request, Func<ReadOnlySpan<byte>, IReadOnlyList<T>> decode,
        Func<IReadOnlyList<T>, CancellationToken, Task> store, Action<int> count, IMessage response, CancellationToken ct)
    {
        var body = await ReadBodyAsync(request, ct);
        if (body is null) return UnsupportedMediaType();
        IReadOnlyList<T> rows;
        try { rows = decode(body); }
        catch (InvalidProtocolBufferException e) { return Results.BadRequest(e.Message); }
        await store(rows, ct);
        count(rows.Count);
        return Protobuf(response);
    }

    static IResult UnsupportedMediaType() => Results.StatusCode(StatusCodes.Status415UnsupportedMediaType);

    static IResult Protobuf(IMessage message) => Results.Bytes(message.ToByteArray(), "application/x-protobuf");

    /// <summary>The request body (gunzipped if sent so), or null when it is not protobuf (OTLP/HTTP JSON is not supported).</summary>
    static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentType is { } type && !type.StartsWith("application/x-protobuf", StringComparison.OrdinalIgnoreCase)) return null;
        using var buffer = new MemoryStream();
        if (string.Equals(request.Headers.ContentEncoding, "gzip", StringComparison.OrdinalIgnoreCase))
        {
            await using var gzip = new GZipStream(request.Body, CompressionMode.Decompress, leaveOpen: true);
            await gzip.CopyToAsync(buffer, ct);
        }
        else await request.Body.CopyToAsync(buffer, ct);
        return buffer.ToArray();
    }

    public async Task StopAsync(CancellationToken ct = default)
    {
        await _stopping.CancelAsync();
        await _retention;
        if (_app is null) return;
        await _app.StopAsync(ct);
        await _app.DisposeAsync();
        _app = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_ownsDataSource) await _dataSource.DisposeAsync();
    }
}
