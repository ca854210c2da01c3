using System.Diagnostics.Metrics;
using Google.Protobuf;
using Grpc.Core;
using TemporalServer.Api;
using TemporalServer.Executions;
using TemporalServer.Storage;

namespace TemporalServer.Matching;

/// <summary>A task taken from <c>temporal.tasks</c>, with its run locked (null: the run is gone; queries lock nothing).</summary>
sealed record TakenTask(string RunId, long ScheduledEventId, int Attempt, Guid? QueryId, WorkflowRun? Run);

/// <summary>
/// Long polls on <c>temporal.tasks</c>. A poll deletes one row with <c>FOR UPDATE SKIP LOCKED</c> and starts the task
/// in the same transaction, so with several servers on one database each task goes to one poller; it sleeps on
/// LISTEN/NOTIFY when the queue is empty, in line with the process's other pollers of the queue. A task whose poller vanished after the commit is recovered by its
/// start-to-close timeout, as in Temporal.
/// </summary>
sealed class TaskQueue(ExecutionStore store, Notifications notifications)
{
    static readonly TimeSpan LongestPoll = TimeSpan.FromSeconds(60);
    static readonly Meter Meter = new("Pipeline.TemporalServer");
    static readonly Counter<long> Dispatched = Meter.CreateCounter<long>("temporal.server.tasks.dispatched");

    // The task and its run's lock in one round trip. A query task leaves the run unlocked: it only reads it.
    const string Take = """
        WITH taken AS (
            DELETE FROM temporal.tasks WHERE id = (
                SELECT id FROM temporal.tasks WHERE namespace = $1 AND task_queue = $2 AND kind = $3
                ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING run_id, scheduled_event_id, attempt, query_id)
        SELECT run_id, scheduled_event_id, attempt, query_id,
            CASE WHEN query_id IS NULL THEN (SELECT state FROM temporal.executions e WHERE e.run_id = taken.run_id FOR UPDATE) END
        FROM taken
        """;

    /// <summary>
    /// Takes tasks until <paramref name="start"/> turns one into a response (it returns null for a stale task, which
    /// is dropped), or answers <paramref name="empty"/> when the poll's time is up.
    /// </summary>
    public async Task<T> PollAsync<T>(string ns, string taskQueue, TaskKind kind, ServerCallContext call,
        Func<StoreTransaction, TakenTask, Task<T?>> start, T empty) where T : class
    {
        if (string.IsNullOrEmpty(taskQueue)) throw ApiErrors.InvalidArgument("TaskQueue is not set on request.");
        var key = Notifications.TaskQueueKey(ns, taskQueue, kind);
        var until = Notifications.LongPollDeadline(call, LongestPoll);
        var ct = call.CancellationToken;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var wake = notifications.Enqueue(key);
            var woken = false;
            try
            {
                await using (var tx = await store.BeginAsync(ct))
                {
                    var task = await TakeAsync(tx, ns, taskQueue, kind, ct);
                    if (task is not null)
                    {
                        var response = await start(tx, task);
                        // A poller that went away before the commit leaves the task in the queue for the next one.
                        ct.ThrowIfCancellationRequested();
                        await tx.CommitAsync(ct);
                        if (response is not null)
                        {
                            Dispatched.Add(1, new KeyValuePair<string, object?>("kind", kind.ToString()));
                            // More tasks may be queued behind this one, and a notification wakes one poller.
                            notifications.WakeOne(key);
                            return response;
                        }
                        continue;
                    }
                }
                woken = await Notifications.WaitAsync(wake.Task, until, ct);
                if (!woken) return empty;
            }
            finally
            {
                // A wake-up that reached this poller after it stopped waiting goes to the next one in line.
                if (!woken && !wake.TrySetCanceled()) notifications.WakeOne(key);
            }
        }
    }

    static async Task<TakenTask?> TakeAsync(StoreTransaction tx, string ns, string taskQueue, TaskKind kind, CancellationToken ct)
    {
        await using var command = tx.Command(Take);
        command.Parameters.Add(new() { Value = ns });
        command.Parameters.Add(new() { Value = taskQueue });
        command.Parameters.Add(new() { Value = (short)kind });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new TakenTask(reader.GetGuid(0).ToString(), reader.GetInt64(1), reader.GetInt32(2), reader.IsDBNull(3) ? null : reader.GetGuid(3),
            reader.IsDBNull(4) ? null : ExecutionStore.Locked(reader.GetString(4)));
    }
}

/// <summary>Task tokens: opaque to workers; they name the run, the scheduled event and the attempt.</summary>
static class TaskToken
{
    public static ByteString For(char kind, string runId, long scheduledEventId, int attempt) =>
        ByteString.CopyFromUtf8($"{kind}|{runId}|{scheduledEventId}|{attempt}");

    public static (string RunId, long ScheduledEventId, int Attempt) Parse(ByteString token, char kind)
    {
        var parts = token.ToStringUtf8().Split('|');
        if (parts.Length != 4 || parts[0] != kind.ToString() || !Guid.TryParse(parts[1], out _)
            || !long.TryParse(parts[2], out var scheduled) || !int.TryParse(parts[3], out var attempt))
            throw ApiErrors.InvalidArgument("TaskToken is not a task token of this server.");
        return (parts[1], scheduled, attempt);
    }
}
