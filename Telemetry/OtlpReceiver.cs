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
/// A local OTLP/HTTP (protobuf) receiver on 127.0.0.1: <c>POST /v1/traces</c> and <c>/v1/logs</c> are stored in the
/// <c>telemetry</c> schema; <c>/v1/metrics</c> is accepted and dropped (no metrics view yet), so exporters never retry.
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

    public long SpansReceived => Interlocked.Read(ref _spans);
    public long LogsReceived => Interlocked.Read(ref _logs);
    long _spans, _logs;

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
        app.MapPost("/v1/traces", async (HttpRequest request, CancellationToken token) =>
        {
            var body = await ReadBodyAsync(request, token);
            if (body is null) return UnsupportedMediaType();
            IReadOnlyList<SpanRecord> spans;
            try { spans = OtlpDecoder.DecodeTraces(body); }
            catch (InvalidProtocolBufferException e) { return Results.BadRequest(e.Message); }
            await writer.WriteSpansAsync(spans, token);
            Interlocked.Add(ref _spans, spans.Count);
            return Protobuf(new ExportTraceServiceResponse());
        });
        app.MapPost("/v1/logs", async (HttpRequest request, CancellationToken token) =>
        {
            var body = await ReadBodyAsync(request, token);
            if (body is null) return UnsupportedMediaType();
            IReadOnlyList<LogRecordRow> logs;
            try { logs = OtlpDecoder.DecodeLogs(body); }
            catch (InvalidProtocolBufferException e) { return Results.BadRequest(e.Message); }
            await writer.WriteLogsAsync(logs, token);
            Interlocked.Add(ref _logs, logs.Count);
            return Protobuf(new ExportLogsServiceResponse());
        });
        // Metrics: accepted and dropped. An empty ExportMetricsServiceResponse is zero bytes as well.
        app.MapPost("/v1/metrics", async (HttpRequest request, CancellationToken token) =>
        {
            await request.Body.CopyToAsync(Stream.Null, token);
            return Results.Bytes([], "application/x-protobuf");
        });
        app.MapGet("/health", () => Results.Ok("healthy"));
        await app.StartAsync(ct);
        _app = app;
        Port = new Uri(app.Urls.First()).Port;
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
