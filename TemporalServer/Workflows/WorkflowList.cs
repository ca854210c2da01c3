using System.Text.Json;
using Google.Protobuf;
using Temporalio.Api.WorkflowService.V1;
using TemporalServer.Api;
using TemporalServer.Executions;
using TemporalServer.Namespaces;

namespace TemporalServer.Workflows;

/// <summary>
/// ListWorkflowExecutions and CountWorkflowExecutions over <c>temporal.executions</c>, newest first. Only the empty
/// query (every run of the namespace) is understood here; the list-filter language is the Visibility feature's.
/// </summary>
sealed class WorkflowList(ExecutionStore store, NamespaceRegistry namespaces) : IRpcFeature
{
    public void Register(RpcHandlers handlers)
    {
        handlers.Add<ListWorkflowExecutionsRequest, ListWorkflowExecutionsResponse>("ListWorkflowExecutions", async (r, call) =>
        {
            namespaces.Require(r.Namespace);
            RequireEmpty(r.Query);
            var offset = r.NextPageToken.IsEmpty ? 0 : long.Parse(r.NextPageToken.ToStringUtf8());
            var size = r.PageSize is > 0 and <= 1000 ? r.PageSize : 1000;
            await using var tx = await store.BeginAsync(call.CancellationToken);
            await using var read = tx.Command("SELECT state FROM temporal.executions WHERE namespace = $1 ORDER BY start_time DESC, run_id LIMIT $2 OFFSET $3");
            read.Parameters.Add(new() { Value = r.Namespace });
            read.Parameters.Add(new() { Value = size });
            read.Parameters.Add(new() { Value = offset });
            var response = new ListWorkflowExecutionsResponse();
            await using var reader = await read.ExecuteReaderAsync(call.CancellationToken);
            while (await reader.ReadAsync(call.CancellationToken))
                response.Executions.Add(WorkflowOperations.Info(JsonSerializer.Deserialize<RunState>(reader.GetString(0), RunState.Json)!));
            if (response.Executions.Count == size) response.NextPageToken = ByteString.CopyFromUtf8((offset + size).ToString());
            return response;
        });
        handlers.Add<CountWorkflowExecutionsRequest, CountWorkflowExecutionsResponse>("CountWorkflowExecutions", async (r, call) =>
        {
            namespaces.Require(r.Namespace);
            RequireEmpty(r.Query);
            await using var tx = await store.BeginAsync(call.CancellationToken);
            await using var count = tx.Command("SELECT count(*) FROM temporal.executions WHERE namespace = $1");
            count.Parameters.Add(new() { Value = r.Namespace });
            return new CountWorkflowExecutionsResponse { Count = (long)(await count.ExecuteScalarAsync(call.CancellationToken))! };
        });
    }

    static void RequireEmpty(string query)
    {
        if (!string.IsNullOrWhiteSpace(query)) throw ApiErrors.InvalidArgument($"Query '{query}': list filters are not supported by this server yet");
    }
}
