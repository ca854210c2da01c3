using System.Diagnostics;
using System.Net.WebSockets;

namespace Feeds.Trades;

/// <summary>How a connection's replay ended; the value is also the close description and the span's outcome tag.</summary>
enum ReplayOutcome
{
    /// <summary>Every trade sent; the server closes with 1000 "replay complete".</summary>
    Completed,

    /// <summary>The client sent a close frame; the server answers it.</summary>
    ClientClosed,

    /// <summary>The service is stopping; the server closes with 1001.</summary>
    ServerStopping,

    /// <summary>The connection broke (the client vanished without a close handshake).</summary>
    Disconnected,
}

/// <summary>
/// One connection's replay: every historical trade at once, then the live trades paced by the gaps between their
/// execution times divided by the speed factor. Each send is awaited, so a slow client slows its own replay and
/// nothing is buffered beyond the socket; the schedule is absolute (from the first live trade), so time lost to a
/// slow client is caught up rather than added to every later gap.
/// </summary>
sealed class TradeFeedReplay(WebSocket socket, TradeFeedSource source, double speed, TimeProvider time, ILogger logger)
{
    /// <summary>Gaps shorter than this are not waited for: a timer cannot be that precise and the schedule catches up.</summary>
    static readonly TimeSpan ShortestWait = TimeSpan.FromMilliseconds(1);

    /// <summary>Task.Delay's limit is about 49 days; a slow replay of a long file waits in steps.</summary>
    static readonly TimeSpan LongestWait = TimeSpan.FromDays(1);

    /// <summary>How long the server waits for the client to answer its close frame.</summary>
    static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(2);

    public long Sent { get; private set; }

    public async Task<ReplayOutcome> RunAsync(CancellationToken stopping)
    {
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var clientClosing = WatchForClientCloseAsync(ended);
        try
        {
            var completed = await SendAsync(source.History, "history", paced: false, ended.Token)
                && await SendAsync(source.Live, "live", paced: true, ended.Token);
            var outcome = completed ? ReplayOutcome.Completed
                : stopping.IsCancellationRequested ? ReplayOutcome.ServerStopping
                : await clientClosing ? ReplayOutcome.ClientClosed
                : ReplayOutcome.Disconnected;
            if (outcome != ReplayOutcome.Disconnected) await CloseAsync(outcome, clientClosing);
            return outcome;
        }
        catch (Exception error) when (IsConnectionLoss(error))
        {
            logger.LogDebug(error, "trade feed connection lost after {Sent} messages", Sent);
            return ReplayOutcome.Disconnected;
        }
        finally
        {
            // ends the watcher's pending receive (if the client never answered), before `ended` is disposed
            socket.Abort();
            await clientClosing;
        }
    }

    /// <summary>Sends the messages in order; false when the replay was cut short (client closed, server stopping).</summary>
    async Task<bool> SendAsync(IReadOnlyList<TradeMessage> messages, string phase, bool paced, CancellationToken cancellation)
    {
        if (messages.Count == 0) return true;
        using var span = TradeFeedTelemetry.Source.StartActivity("trade feed " + phase);
        span?.SetTag("pipeline.trade_feed.messages", messages.Count);
        var phaseTag = new KeyValuePair<string, object?>("phase", phase);
        var started = time.GetTimestamp();
        var origin = messages[0].ExecutionTime;
        foreach (var message in messages)
        {
            if (cancellation.IsCancellationRequested) return false;
            if (paced && !await WaitUntilDueAsync((message.ExecutionTime - origin).TotalSeconds / speed, started, cancellation)) return false;
            // Not cancellable: cancelling a send half-way aborts the socket, and the close frame could not follow.
            await socket.SendAsync(message.Json, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
            Sent++;
            TradeFeedTelemetry.MessagesSent.Add(1, phaseTag);
        }
        return true;
    }

    async Task<bool> WaitUntilDueAsync(double dueSeconds, long started, CancellationToken cancellation)
    {
        var due = TimeSpan.FromSeconds(Math.Min(dueSeconds, TimeSpan.MaxValue.TotalSeconds / 2));
        for (var wait = due - time.GetElapsedTime(started); wait >= ShortestWait; wait = due - time.GetElapsedTime(started))
        {
            try
            {
                await Task.Delay(wait < LongestWait ? wait : LongestWait, time, cancellation);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Reads (and drops) whatever the client sends, so its close frame is seen while the server is sending or waiting,
    /// and the client's pings are answered. True when the client sent a close frame, false when the connection broke.
    /// </summary>
    async Task<bool> WatchForClientCloseAsync(CancellationTokenSource ended)
    {
        var buffer = new byte[1024];
        var closeReceived = false;
        try
        {
            while ((await socket.ReceiveAsync(buffer, CancellationToken.None)).MessageType != WebSocketMessageType.Close)
            {
            }
            closeReceived = true;
        }
        catch (Exception error) when (IsConnectionLoss(error) || error is ObjectDisposedException)
        {
            // the connection broke, or the replay is over and aborted it: either way nothing more will come
        }
        await ended.CancelAsync();
        return closeReceived;
    }

    async Task CloseAsync(ReplayOutcome outcome, Task<bool> clientClosing)
    {
        var (status, description) = outcome switch
        {
            ReplayOutcome.Completed => (WebSocketCloseStatus.NormalClosure, "replay complete"),
            ReplayOutcome.ServerStopping => (WebSocketCloseStatus.EndpointUnavailable, "server shutting down"),
            _ => (WebSocketCloseStatus.NormalClosure, "closed by the client"),
        };
        try
        {
            using var timeout = new CancellationTokenSource(CloseHandshakeTimeout);
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                await socket.CloseOutputAsync(status, description, timeout.Token);
            await clientClosing.WaitAsync(timeout.Token);
        }
        catch (Exception error) when (IsConnectionLoss(error))
        {
            // The client did not answer the close frame in time or dropped the connection: nothing left to send.
            Activity.Current?.AddEvent(new ActivityEvent("close handshake incomplete"));
        }
    }

    static bool IsConnectionLoss(Exception error) =>
        error is WebSocketException or IOException or OperationCanceledException or TimeoutException;
}
