using System.Collections.Concurrent;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Npgsql;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;
using TemporalServer.Api;
using TemporalServer.Namespaces;

namespace TemporalServer.Visibility;

/// <summary>
/// DescribeTaskQueue's pollers: every workflow or activity poll is noted (as a gRPC interceptor, so the matching
/// code stays unaware of it) in temporal.task_queue_pollers, at most once per <see cref="WriteEvery"/> per poller
/// and server; pollers seen within <see cref="Recent"/> are described, from whichever server they polled.
/// </summary>
sealed class TaskQueuePollers(NpgsqlDataSource dataSource, NamespaceRegistry namespaces, TimeProvider time, ILogger<TaskQueuePollers> logger)
    : Interceptor, IRpcFeature
{
    static readonly TimeSpan WriteEvery = TimeSpan.FromSeconds(5);
    static readonly TimeSpan Recent = TimeSpan.FromMinutes(5);

    readonly ConcurrentDictionary<(string, string, TaskQueueType, string), DateTime> _lastWritten = new();

    public void Register(RpcHandlers handlers) =>
        handlers.Add<DescribeTaskQueueRequest, DescribeTaskQueueResponse>("DescribeTaskQueue", (r, call) => DescribeAsync(r, call.CancellationToken));

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        switch (request)
        {
            case PollWorkflowTaskQueueRequest poll:
                Note(poll.Namespace, poll.TaskQueue?.Name, TaskQueueType.Workflow, poll.Identity);
                break;
            case PollActivityTaskQueueRequest poll:
                Note(poll.Namespace, poll.TaskQueue?.Name, TaskQueueType.Activity, poll.Identity);
                break;
        }
        return continuation(request, context);
    }

    void Note(string ns, string? taskQueue, TaskQueueType kind, string identity)
    {
        if (string.IsNullOrEmpty(taskQueue)) return;
        var now = time.GetUtcNow().UtcDateTime;
        var key = (ns, taskQueue, kind, identity);
        if (_lastWritten.TryGetValue(key, out var last) && now - last < WriteEvery) return;
        _lastWritten[key] = now;
        _ = WriteAsync(ns, taskQueue, kind, identity, now);
    }

    /// <summary>Off the poll's path: a failed write only makes the poller look idle for a while.</summary>
    async Task WriteAsync(string ns, string taskQueue, TaskQueueType kind, string identity, DateTime now)
    {
        try
        {
            await using var command = dataSource.CreateCommand("""
                INSERT INTO temporal.task_queue_pollers (namespace, task_queue, kind, identity, last_access_time) VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (namespace, task_queue, kind, identity) DO UPDATE SET last_access_time = excluded.last_access_time
                """);
            command.Parameters.Add(new() { Value = ns });
            command.Parameters.Add(new() { Value = taskQueue });
            command.Parameters.Add(new() { Value = (short)kind });
            command.Parameters.Add(new() { Value = identity });
            command.Parameters.Add(new() { Value = now });
            await command.ExecuteNonQueryAsync();
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            logger.LogWarning(e, "Could not note the poller {Identity} of task queue {TaskQueue}", identity, taskQueue);
        }
    }

    async Task<DescribeTaskQueueResponse> DescribeAsync(DescribeTaskQueueRequest request, CancellationToken ct)
    {
        namespaces.Require(request.Namespace);
        if (string.IsNullOrEmpty(request.TaskQueue?.Name)) throw ApiErrors.InvalidArgument("task_queue.name is required");
        var kind = request.TaskQueueType == TaskQueueType.Unspecified ? TaskQueueType.Workflow : request.TaskQueueType;
        await using var command = dataSource.CreateCommand("""
            SELECT identity, last_access_time FROM temporal.task_queue_pollers
            WHERE namespace = $1 AND task_queue = $2 AND kind = $3 AND last_access_time > $4
            ORDER BY last_access_time DESC
            """);
        command.Parameters.Add(new() { Value = request.Namespace });
        command.Parameters.Add(new() { Value = request.TaskQueue.Name });
        command.Parameters.Add(new() { Value = (short)kind });
        command.Parameters.Add(new() { Value = time.GetUtcNow().UtcDateTime - Recent });
        var response = new DescribeTaskQueueResponse();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            response.Pollers.Add(new PollerInfo { Identity = reader.GetString(0), LastAccessTime = Timestamp.FromDateTime(DateTime.SpecifyKind(reader.GetDateTime(1), DateTimeKind.Utc)) });
        return response;
    }
}
