using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.Query.V1;
using Temporalio.Api.WorkflowService.V1;
using TemporalServer.Api;
using TemporalServer.Executions;
using TemporalServer.Matching;
using TemporalServer.Namespaces;
using TemporalServer.Storage;
using TaskQueueMessage = Temporalio.Api.TaskQueue.V1.TaskQueue;

namespace TemporalServer.Queries;

/// <summary>
/// Queries as legacy query tasks: QueryWorkflow writes a <c>temporal.queries</c> row and a query task on the run's
/// workflow task queue; a worker gets the full history with the query and answers with RespondQueryTaskCompleted,
/// whichever server process it is connected to.
/// </summary>
sealed class QueryTasks(ExecutionStore store, NamespaceRegistry namespaces, Notifications notifications) : IRpcFeature
{
    static readonly TimeSpan LongestQuery = TimeSpan.FromSeconds(30);

    public void Register(RpcHandlers handlers)
    {
        handlers.Add<QueryWorkflowRequest, QueryWorkflowResponse>("QueryWorkflow", Query);
        handlers.Add<RespondQueryTaskCompletedRequest, RespondQueryTaskCompletedResponse>("RespondQueryTaskCompleted", async (r, call) =>
        {
            namespaces.Require(r.Namespace);
            var token = r.TaskToken.ToStringUtf8().Split('|');
            if (token.Length != 2 || token[0] != "q" || !Guid.TryParse(token[1], out var id)) throw ApiErrors.InvalidArgument("TaskToken is not a query task token of this server.");
            await using var tx = await store.BeginAsync(call.CancellationToken);
            await using var answer = tx.Command("UPDATE temporal.queries SET result = $2 WHERE id = $1 AND result IS NULL");
            answer.Parameters.Add(new() { Value = id });
            answer.Parameters.Add(new() { Value = r.ToByteArray() });
            if (await answer.ExecuteNonQueryAsync(call.CancellationToken) == 0) throw ApiErrors.TaskNotFound("Query task");
            await tx.NotifyAsync(Notifications.QueryKey(id), call.CancellationToken);
            await tx.CommitAsync(call.CancellationToken);
            return new RespondQueryTaskCompletedResponse();
        });
    }

    async Task<QueryWorkflowResponse> Query(QueryWorkflowRequest r, ServerCallContext call)
    {
        namespaces.Require(r.Namespace);
        if (string.IsNullOrEmpty(r.Query?.QueryType)) throw ApiErrors.InvalidArgument("QueryType is not set on request.");
        var ct = call.CancellationToken;
        var state = await store.ReadStateAsync(r.Namespace, r.Execution, ct) ?? throw ApiErrors.WorkflowNotFound(r.Execution);
        state = await AfterPendingWorkflowTaskAsync(state, call);
        if (r.QueryRejectCondition == QueryRejectCondition.NotOpen && !state.IsRunning
            || r.QueryRejectCondition == QueryRejectCondition.NotCompletedCleanly && state.Status is not (WorkflowExecutionStatus.Running or WorkflowExecutionStatus.Completed))
            return new QueryWorkflowResponse { QueryRejected = new QueryRejected { Status = state.Status } };

        var id = Guid.NewGuid();
        var answered = notifications.NextAsync(Notifications.QueryKey(id));
        await using (var tx = await store.BeginAsync(ct))
        {
            await tx.ExecuteAsync(ct,
                ("INSERT INTO temporal.queries (id, run_id, query) VALUES ($1, $2, $3)", [id, Guid.Parse(state.RunId), r.Query.ToByteArray()]),
                ("INSERT INTO temporal.tasks (namespace, task_queue, kind, run_id, scheduled_event_id, attempt, query_id) VALUES ($1, $2, $3, $4, 0, 0, $5)",
                    [state.Namespace, state.TaskQueue, (short)TaskKind.Workflow, Guid.Parse(state.RunId), id]));
            await tx.NotifyAsync(Notifications.TaskQueueKey(state.Namespace, state.TaskQueue, TaskKind.Workflow), ct);
            await tx.CommitAsync(ct);
        }
        try
        {
            var until = Notifications.LongPollDeadline(call, LongestQuery);
            while (true)
            {
                if (await ResultAsync(id, ct) is { } result)
                {
                    if (result.CompletedType == QueryResultType.Answered) return new QueryWorkflowResponse { QueryResult = result.QueryResult };
                    throw ApiErrors.QueryFailed(result.ErrorMessage);
                }
                if (!await Notifications.WaitAsync(answered, until, ct)) throw new RpcException(new Status(StatusCode.DeadlineExceeded, "no worker answered the query in time"));
                answered = notifications.NextAsync(Notifications.QueryKey(id));
            }
        }
        finally
        {
            await ForgetAsync(id);
        }
    }

    /// <summary>
    /// As in Temporal, a query waits for the workflow task pending when it arrived, so that it sees every event
    /// accepted before it (a signal sent just before a query is handled first). A task failing again and again
    /// (attempt 2 on) does not hold queries back; nor does waiting past the query's deadline.
    /// </summary>
    async Task<RunState> AfterPendingWorkflowTaskAsync(RunState state, ServerCallContext call)
    {
        var pending = state.WorkflowTask.ScheduledEventId;
        var until = Notifications.LongPollDeadline(call, LongestQuery);
        while (state.IsRunning && pending != 0 && state.WorkflowTask.ScheduledEventId == pending && state.WorkflowTask.Attempt == 1)
        {
            var changed = notifications.NextAsync(Notifications.RunKey(state.RunId));
            var latest = await store.ReadStateAsync(state.Namespace, state.Execution, call.CancellationToken);
            if (latest is null) break;
            state = latest;
            if (!state.IsRunning || state.WorkflowTask.ScheduledEventId != pending) break;
            if (!await Notifications.WaitAsync(changed, until, call.CancellationToken)) break;
        }
        return state;
    }

    async Task<RespondQueryTaskCompletedRequest?> ResultAsync(Guid id, CancellationToken ct)
    {
        await using var tx = await store.BeginAsync(ct);
        await using var read = tx.Command("SELECT result FROM temporal.queries WHERE id = $1 AND result IS NOT NULL");
        read.Parameters.Add(new() { Value = id });
        return await read.ExecuteScalarAsync(ct) is byte[] bytes ? RespondQueryTaskCompletedRequest.Parser.ParseFrom(bytes) : null;
    }

    async Task ForgetAsync(Guid id)
    {
        await using var tx = await store.BeginAsync(CancellationToken.None);
        await tx.ExecuteAsync(CancellationToken.None, ("DELETE FROM temporal.queries WHERE id = $1", [id]), ("DELETE FROM temporal.tasks WHERE query_id = $1", [id]));
        await tx.CommitAsync(CancellationToken.None);
    }

    /// <summary>The query task a poller gets: the query and the run's whole history.</summary>
    public async Task<PollWorkflowTaskQueueResponse?> StartAsync(StoreTransaction tx, string runId, Guid queryId, CancellationToken ct)
    {
        await using var read = tx.Command("SELECT q.query, e.state FROM temporal.queries q JOIN temporal.executions e ON e.run_id = q.run_id WHERE q.id = $1 AND q.result IS NULL");
        read.Parameters.Add(new() { Value = queryId });
        byte[] query;
        RunState state;
        await using (var reader = await read.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct)) return null;
            query = reader.GetFieldValue<byte[]>(0);
            state = System.Text.Json.JsonSerializer.Deserialize<RunState>(reader.GetString(1), RunState.Json)!;
        }
        var response = new PollWorkflowTaskQueueResponse
        {
            TaskToken = ByteString.CopyFromUtf8($"q|{queryId}"),
            WorkflowExecution = state.Execution,
            WorkflowType = state.Started.WorkflowType,
            PreviousStartedEventId = state.LastCompletedStartedEventId,
            StartedEventId = state.LastCompletedStartedEventId,
            Attempt = 1,
            History = new History(),
            Query = WorkflowQuery.Parser.ParseFrom(query),
            WorkflowExecutionTaskQueue = new TaskQueueMessage { Name = state.TaskQueue, Kind = TaskQueueKind.Normal },
            ScheduledTime = Timestamp.FromDateTime(DateTime.UtcNow),
            StartedTime = Timestamp.FromDateTime(DateTime.UtcNow),
        };
        response.History.Events.AddRange(await ExecutionStore.ReadHistoryAsync(tx, runId, 0, int.MaxValue, reverse: false, ct));
        return response;
    }
}
