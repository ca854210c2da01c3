using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Workers.Trades;

/// <summary>
/// Reads the trades WebSocket feed and publishes every message, unchanged, to Kafka (key = TradeId). On any
/// failure (socket closed, broker refused a message) it reconnects with backoff; a reconnect replays the feed's
/// history, so nothing is lost, and the duplicates it brings are ignored downstream on (TradeId, Side).
/// </summary>
public sealed class TradeFeedReader(IProducer<byte[]?, byte[]> producer, IConfiguration configuration, IHttpClientFactory http, ILogger<TradeFeedReader> logger)
    : BackgroundService, IHealthCheck
{
    static readonly ActivitySource Source = new("Pipeline.Workers");
    static readonly Meter Meter = new("Pipeline.Workers");
    static readonly Counter<long> Received = Meter.CreateCounter<long>("pipeline.trades.feed.messages", "{message}");
    static readonly Counter<long> Reconnects = Meter.CreateCounter<long>("pipeline.trades.feed.reconnects", "{reconnect}");

    CancellationTokenSource? _connection;
    volatile string _state = "not started";
    volatile bool _connected;

    /// <summary>Drops the current connection and connects again, which replays the feed's history.</summary>
    public void RequestReplay(string reason)
    {
        logger.LogWarning("re-requesting the trade feed: {Reason}", reason);
        _connection?.Cancel();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.Zero;
        while (!stoppingToken.IsCancellationRequested)
        {
            if (backoff > TimeSpan.Zero) await Task.Delay(backoff, stoppingToken);
            using var connection = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            _connection = connection;
            try
            {
                var url = await ResolveFeedUrlAsync(stoppingToken);
                if (url is null)
                {
                    _state = "disabled: no TradeFeed:Url and no feeds service configured";
                    logger.LogInformation("trade feed reader {State}", _state);
                    return;
                }
                var count = await ReadAsync(url, connection.Token);
                // The feed ended normally (all live trades sent); connecting again later replays it, which is harmless.
                logger.LogInformation("trade feed closed after {Count} messages", count);
                backoff = TimeSpan.FromSeconds(configuration.GetValue("TradeFeed:ReconnectAfterEndSeconds", 30.0));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is WebSocketException or HttpRequestException or KafkaException or OperationCanceledException or IOException or JsonException)
            {
                _connected = false;
                backoff = TimeSpan.FromSeconds(Math.Clamp(backoff.TotalSeconds * 2, 0.5, 30));
                _state = $"reconnecting in {backoff.TotalSeconds:F1} s after: {e.Message}";
                Reconnects.Add(1);
                logger.LogWarning("trade feed: {State}", _state);
            }
        }
    }

    async Task<long> ReadAsync(Uri url, CancellationToken ct)
    {
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(url, ct);
        _connected = true;
        _state = $"connected to {url}";
        logger.LogInformation("trade feed {State}", _state);

        Exception? deliveryFailure = null;
        var buffer = new byte[16 * 1024];
        var message = new MemoryStream();
        long count = 0;
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, ct);
            if (result.MessageType == WebSocketMessageType.Close) break;
            message.Write(buffer, 0, result.Count);
            if (!result.EndOfMessage) continue;

            var payload = message.ToArray();
            message.SetLength(0);
            producer.Produce(TradeIngestion.Topic, new Message<byte[]?, byte[]> { Key = TradeIdKey(payload), Value = payload }, report =>
            {
                if (report.Error.IsError) deliveryFailure ??= new KafkaException(report.Error);
            });
            Received.Add(1);
            if (++count % 1000 == 0 && deliveryFailure is not null) throw deliveryFailure;
        }
        producer.Flush(ct);
        if (deliveryFailure is not null) throw deliveryFailure;
        _connected = false;
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        return count;
    }

    /// <summary>The Kafka key: the message's TradeId, so both legs of a trade land in one partition. Unreadable → no key.</summary>
    static byte[]? TradeIdKey(byte[] payload)
    {
        try
        {
            var reader = new Utf8JsonReader(payload);
            while (reader.Read())
                if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("TradeId") && reader.Read() && reader.TokenType == JsonTokenType.String)
                    return Encoding.UTF8.GetBytes(reader.GetString()!);
        }
        catch (JsonException)
        {
            // The ingestor quarantines it with the precise reason.
        }
        return null;
    }

    /// <summary><c>TradeFeed:Url</c>, or the URL the referenced Feeds service advertises at <c>/trades/feed</c>.</summary>
    async Task<Uri?> ResolveFeedUrlAsync(CancellationToken ct)
    {
        if (configuration["TradeFeed:Url"] is { Length: > 0 } url) return new Uri(url);
        if (configuration["services:feeds:http:0"] is not { Length: > 0 } feeds) return null;
        using var span = Source.StartActivity("trade feed discover");
        var info = await http.CreateClient().GetFromJsonAsync<JsonElement>(new Uri(new Uri(feeds), "/trades/feed"), ct);
        return new Uri(info.GetProperty("url").GetString()!);
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_connected || _state.StartsWith("disabled", StringComparison.Ordinal) || _state == "not started"
            ? HealthCheckResult.Healthy(_state)
            : HealthCheckResult.Degraded(_state));
}
