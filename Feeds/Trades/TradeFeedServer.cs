using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.AspNetCore.WebSockets;
using Microsoft.Extensions.Options;

namespace Feeds.Trades;

/// <summary>What <c>GET /trades/feed</c> answers: where the feed is and what it replays.</summary>
public sealed record TradeFeedStatus(
    string Url, string Source, string? File, DateOnly Day, string Area, ulong? Seed, DateTime LiveFrom, double Speed,
    int HistoryCount, int LiveCount, int InvalidRows, int DuplicateRows, long Connections, long ActiveConnections);

/// <summary>
/// The trade feed's WebSocket endpoint, on its own port (8765 by default, as the original generator). It runs its
/// own small Kestrel server instead of adding a listener to the service's: Kestrel binds either the configured URLs
/// (ASPNETCORE_URLS, where the launcher finds /health) or listeners added in code, never both. Any path upgrades to
/// the feed; every connection gets its own full replay.
/// </summary>
sealed class TradeFeedServer(TradeFeedOptions options, TradeFeedSource source, IServiceProvider services, ILoggerFactory loggers, TimeProvider time)
    : IHostedService, IAsyncDisposable
{
    /// <summary>After this, a client that does not read its close frame is cut off so the service can stop.</summary>
    static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(5);

    readonly ILogger _logger = loggers.CreateLogger<TradeFeedServer>();
    readonly CancellationTokenSource _stopping = new();
    KestrelServer? _server;
    long _connections, _activeConnections;

    public Uri? Url { get; private set; }

    public TradeFeedStatus Status() => new(
        Url?.ToString().TrimEnd('/') ?? "", source.Kind, source.File, source.Day, source.Area, source.Kind == "generated" ? options.Seed : null,
        source.LiveFrom, options.Speed, source.History.Count, source.Live.Count, source.InvalidRows, source.DuplicateRows,
        Interlocked.Read(ref _connections), Interlocked.Read(ref _activeConnections));

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        LogSource();
        var kestrel = new KestrelServerOptions { ApplicationServices = services, AddServerHeader = false };
        kestrel.Listen(options.Host, options.Port);
        _server = new KestrelServer(Options.Create(kestrel), new SocketTransportFactory(Options.Create(new SocketTransportOptions()), loggers), loggers);
        var webSockets = new WebSocketMiddleware(ServeAsync, Options.Create(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) }), loggers);
        try
        {
            await _server.StartAsync(new FeedApplication(webSockets.Invoke), cancellationToken);
        }
        catch (IOException error)
        {
            throw new TradeFeedConfigurationException($"{TradeFeedOptions.Section}:Port {options.Port} cannot be used on {options.Host}: {error.Message}");
        }
        var bound = new Uri(_server.Features.Get<IServerAddressesFeature>()!.Addresses.First());
        var host = options.Host.Equals(IPAddress.Any) || options.Host.Equals(IPAddress.IPv6Any) ? "127.0.0.1" : bound.Host;
        Url = new Uri($"ws://{host}:{bound.Port}");
        _logger.LogInformation("trade feed on {Url}: {History} historical trades on connect, then {Live} live trades from {LiveFrom:yyyy-MM-ddTHH:mm}Z at speed {Speed}",
            Status().Url, source.History.Count, source.Live.Count, source.LiveFrom, options.Speed);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is null) return;
        // Each replay sees this between two messages, sends a 1001 close frame and returns.
        await _stopping.CancelAsync();
        using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        grace.CancelAfter(ShutdownGrace);
        await _server.StopAsync(grace.Token);
    }

    public ValueTask DisposeAsync()
    {
        _server?.Dispose();
        _stopping.Dispose();
        return ValueTask.CompletedTask;
    }

    async Task ServeAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            await context.Response.WriteAsync($"the trade feed speaks WebSocket: connect to {Url}\n");
            return;
        }
        var client = $"{context.Connection.RemoteIpAddress}:{context.Connection.RemotePort}";
        using var span = TradeFeedTelemetry.Source.StartActivity("trade feed connection", ActivityKind.Server);
        span?.SetTag("client.address", context.Connection.RemoteIpAddress?.ToString());
        span?.SetTag("client.port", context.Connection.RemotePort);
        Interlocked.Increment(ref _connections);
        Interlocked.Increment(ref _activeConnections);
        TradeFeedTelemetry.Connections.Add(1);
        TradeFeedTelemetry.ActiveConnections.Add(1);
        var started = time.GetTimestamp();
        try
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            _logger.LogInformation("trade feed client {Client} connected", client);
            var replay = new TradeFeedReplay(socket, source, options.Speed, time, _logger);
            var outcome = await replay.RunAsync(_stopping.Token);
            span?.SetTag("pipeline.trade_feed.outcome", outcome.ToString());
            span?.SetTag("pipeline.trade_feed.messages_sent", replay.Sent);
            _logger.LogInformation("trade feed client {Client}: {Outcome} after {Sent} of {Total} trades in {Elapsed:F1} s",
                client, outcome, replay.Sent, source.History.Count + source.Live.Count, time.GetElapsedTime(started).TotalSeconds);
        }
        finally
        {
            Interlocked.Decrement(ref _activeConnections);
            TradeFeedTelemetry.ActiveConnections.Add(-1);
        }
    }

    string DayText => source.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    void LogSource()
    {
        if (source.Kind == "generated")
            _logger.LogInformation("trade feed replays a generated day: {Area} {Day}, seed {Seed}, {Anomalies} injected anomalies", source.Area, DayText, options.Seed, options.Anomalies);
        else
            _logger.LogInformation("trade feed replays {File} (day {Day}, areas {Area})", source.File, DayText, source.Area);
        foreach (var row in source.SkippedSamples)
            _logger.LogWarning("trade feed skips line {Line} of {File}: {Reason}", row.LineNumber, source.File, row.Reason);
        if (source.InvalidRows + source.DuplicateRows > source.SkippedSamples.Count)
            _logger.LogWarning("trade feed skips {Invalid} invalid and {Duplicate} duplicate rows of {File} in all (the first {Shown} are listed above)",
                source.InvalidRows, source.DuplicateRows, source.File, source.SkippedSamples.Count);
        else if (source.SkippedSamples.Count > 0)
            _logger.LogWarning("trade feed skips {Invalid} invalid and {Duplicate} duplicate rows of {File}", source.InvalidRows, source.DuplicateRows, source.File);
    }

    /// <summary>The whole request pipeline of the feed's server: the WebSocket middleware, then <see cref="ServeAsync"/>.</summary>
    sealed class FeedApplication(RequestDelegate pipeline) : IHttpApplication<HttpContext>
    {
        public HttpContext CreateContext(IFeatureCollection contextFeatures) => new DefaultHttpContext(contextFeatures);

        public Task ProcessRequestAsync(HttpContext context) => pipeline(context);

        public void DisposeContext(HttpContext context, Exception? exception)
        {
        }
    }
}
