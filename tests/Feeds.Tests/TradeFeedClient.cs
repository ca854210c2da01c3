using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using TestSupport;

namespace Feeds.Tests;

/// <summary>A message as a client received it, with the time since the client started connecting.</summary>
public sealed record ReceivedMessage(string Json, TimeSpan At)
{
    public JsonElement Body => JsonDocument.Parse(Json).RootElement;

    public string Field(string name) => Body.GetProperty(name).GetString()!;

    public DateTime ExecutionTime => DateTime.Parse(Field("ExecutionTime"), null, System.Globalization.DateTimeStyles.AdjustToUniversal);
}

/// <summary>What one connection to the trade feed got: its messages and how the server closed it.</summary>
public sealed record FeedReplay(IReadOnlyList<ReceivedMessage> Messages, WebSocketCloseStatus? CloseStatus, string? CloseDescription);

/// <summary>A WebSocket client of the trade feed, as the Workers' reader is: it reads until the server closes.</summary>
public static class TradeFeedClient
{
    static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>GET /trades/feed on the service's main URL.</summary>
    public static async Task<JsonElement> DiscoverAsync(ServiceProcess feeds) =>
        await Http.GetFromJsonAsync<JsonElement>(new Uri(feeds.Url, "/trades/feed"));

    /// <summary>Connects to the URL the service advertises; <paramref name="clock"/> starts just before.</summary>
    public static async Task<ClientWebSocket> ConnectAsync(ServiceProcess feeds, Stopwatch? clock = null)
    {
        var url = (await DiscoverAsync(feeds)).GetProperty("url").GetString()!;
        var socket = new ClientWebSocket();
        clock?.Restart();
        await socket.ConnectAsync(new Uri(url), CancellationToken.None);
        return socket;
    }

    /// <summary>
    /// Reads every message until the server's close frame (answered, completing the handshake) or the timeout;
    /// arrival times are on <paramref name="clock"/>, by default one started now.
    /// </summary>
    public static async Task<FeedReplay> ReadToCloseAsync(ClientWebSocket socket, TimeSpan timeout, Stopwatch? clock = null)
    {
        using var deadline = new CancellationTokenSource(timeout);
        clock ??= Stopwatch.StartNew();
        var messages = new List<ReceivedMessage>();
        var buffer = new byte[8192];
        var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, deadline.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                return new FeedReplay(messages, result.CloseStatus, result.CloseStatusDescription);
            }
            message.Write(buffer, 0, result.Count);
            if (!result.EndOfMessage) continue;
            Assert.Equal(WebSocketMessageType.Text, result.MessageType);
            messages.Add(new ReceivedMessage(Encoding.UTF8.GetString(message.ToArray()), clock.Elapsed));
            message.SetLength(0);
        }
    }

    public static async Task<FeedReplay> ReplayAsync(ServiceProcess feeds, TimeSpan timeout)
    {
        var clock = new Stopwatch();
        using var socket = await ConnectAsync(feeds, clock);
        return await ReadToCloseAsync(socket, timeout, clock);
    }
}
