using System.Collections.Concurrent;
using Npgsql;

using TemporalServer.Executions;

namespace TemporalServer.Storage;

/// <summary>
/// Wakes long polls in every server process sharing the database: writers <c>pg_notify</c> a key in their
/// transaction (delivered at commit), and one LISTEN connection per process completes the waiters of that key.
/// A waiter takes its wake-up task before it reads the database, so a notification between the read and the wait
/// is not missed. Task-queue pollers wait in line: a notification wakes the first (one task, one poller; waking all
/// of them cost a wasted transaction per idle poller per task), and a poller that gets a task wakes the next.
/// </summary>
sealed class Notifications(NpgsqlDataSource dataSource, ILogger<Notifications> logger) : BackgroundService
{
    public const string Channel = "temporal_server";
    readonly ConcurrentDictionary<string, TaskCompletionSource> _waiters = new();
    readonly ConcurrentDictionary<string, Queue<TaskCompletionSource>> _lines = new();

    public static string TaskQueueKey(string ns, string taskQueue, TaskKind kind) => $"q|{ns}|{taskQueue}|{(int)kind}";
    /// <summary>Notified with every new event of the run.</summary>
    public static string RunKey(string runId) => $"r|{runId}";
    /// <summary>Notified when the run closes: clients waiting for a result are not woken by every step before it.</summary>
    public static string ClosedKey(string runId) => $"c|{runId}";
    public static string QueryKey(Guid queryId) => $"y|{queryId}";
    public const string TimersKey = "timers";

    /// <summary>A task that completes at the next notification of <paramref name="key"/>.</summary>
    public Task NextAsync(string key) =>
        _waiters.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>
    /// A place in the line of the task-queue <paramref name="key"/>: completed by the first notification that finds
    /// it at the front. A poller that stops waiting cancels it; if it was woken meanwhile, it calls <see cref="WakeOne"/>.
    /// </summary>
    public TaskCompletionSource Enqueue(string key)
    {
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var line = _lines.GetOrAdd(key, _ => new());
        lock (line)
        {
            while (line.TryPeek(out var front) && front.Task.IsCompleted) line.Dequeue();
            line.Enqueue(waiter);
        }
        return waiter;
    }

    /// <summary>Wakes the first poller still waiting in the line of <paramref name="key"/>.</summary>
    public void WakeOne(string key)
    {
        if (!_lines.TryGetValue(key, out var line)) return;
        lock (line)
            while (line.TryDequeue(out var waiter))
                if (waiter.TrySetResult()) return;
    }

    /// <summary>How long a long poll may wait: under the client's deadline (70 s for the SDK's polls) with a second to answer in.</summary>
    public static DateTime LongPollDeadline(Grpc.Core.ServerCallContext call, TimeSpan longest)
    {
        var until = DateTime.UtcNow + longest;
        return call.Deadline != DateTime.MaxValue && call.Deadline.ToUniversalTime() - TimeSpan.FromSeconds(1) < until ? call.Deadline.ToUniversalTime() - TimeSpan.FromSeconds(1) : until;
    }

    /// <summary>Waits for <paramref name="wake"/> until <paramref name="until"/>; false when the time is up.</summary>
    public static async Task<bool> WaitAsync(Task wake, DateTime until, CancellationToken ct)
    {
        var left = until - DateTime.UtcNow;
        if (left <= TimeSpan.Zero) return false;
        try
        {
            await wake.WaitAsync(left, ct);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Wakes this process's waiters of <paramref name="key"/> (other processes hear the NOTIFY).</summary>
    void Wake(string key)
    {
        if (_lines.ContainsKey(key)) WakeOne(key);
        if (_waiters.TryRemove(key, out var waiter)) waiter.TrySetResult();
    }

    void WakeAll()
    {
        foreach (var key in _waiters.Keys) Wake(key);
        foreach (var line in _lines.Values)
            lock (line)
                while (line.TryDequeue(out var waiter)) waiter.TrySetResult();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, e) => Wake(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                // A reconnect may have missed notifications: wake everyone to re-read.
                WakeAll();
                while (true) await connection.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "LISTEN connection lost; reconnecting");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }
}
