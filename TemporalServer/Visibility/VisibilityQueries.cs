using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Npgsql;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;
using TemporalServer.Api;
using TemporalServer.Executions;
using TemporalServer.Namespaces;
using TemporalServer.Workflows;

namespace TemporalServer.Visibility;

/// <summary>
/// ListWorkflowExecutions and CountWorkflowExecutions: the list filter translated to SQL over
/// temporal.executions, in the namespace of the request. A query Temporal would reject is INVALID_ARGUMENT.
/// </summary>
sealed class VisibilityQueries(NpgsqlDataSource dataSource, NamespaceRegistry namespaces, SearchAttributeRegistry searchAttributes) : IRpcFeature
{
    const int DefaultPageSize = 1000;

    public void Register(RpcHandlers handlers)
    {
        handlers.Add<ListWorkflowExecutionsRequest, ListWorkflowExecutionsResponse>("ListWorkflowExecutions", (r, call) => ListAsync(r, call.CancellationToken));
        handlers.Add<CountWorkflowExecutionsRequest, CountWorkflowExecutionsResponse>("CountWorkflowExecutions", (r, call) => CountAsync(r, call.CancellationToken));
    }

    public async Task<ListWorkflowExecutionsResponse> ListAsync(ListWorkflowExecutionsRequest request, CancellationToken ct)
    {
        namespaces.Require(request.Namespace);
        var attributes = await searchAttributes.ForNamespaceAsync(request.Namespace, ct);
        var filter = Parse(request.Query, attributes);
        if (filter.GroupBy is not null) throw ApiErrors.InvalidArgument("GROUP BY is only supported by CountWorkflowExecutions");
        var (where, parameters, orderBy) = ListFilterSql.Translate(filter, firstParameter: 2, attributes);
        var pageSize = request.PageSize > 0 ? request.PageSize : DefaultPageSize;
        var offset = PageOffset(request.NextPageToken);

        await using var command = dataSource.CreateCommand($"""
            SELECT state FROM temporal.executions
            WHERE namespace = $1 AND ({where})
            ORDER BY {orderBy}
            LIMIT {pageSize + 1} OFFSET {offset}
            """);
        command.Parameters.Add(new() { Value = request.Namespace });
        command.Parameters.AddRange(parameters.ToArray());
        var response = new ListWorkflowExecutionsResponse();
        await using var reader = await ExecuteAsync(command, ct);
        while (await reader.ReadAsync(ct))
        {
            if (response.Executions.Count == pageSize)
            {
                response.NextPageToken = ByteString.CopyFromUtf8((offset + pageSize).ToString(CultureInfo.InvariantCulture));
                break;
            }
            var state = JsonSerializer.Deserialize<RunState>(reader.GetString(0), RunState.Json)!;
            response.Executions.Add(WorkflowOperations.Info(state));
        }
        return response;
    }

    public async Task<CountWorkflowExecutionsResponse> CountAsync(CountWorkflowExecutionsRequest request, CancellationToken ct)
    {
        namespaces.Require(request.Namespace);
        var attributes = await searchAttributes.ForNamespaceAsync(request.Namespace, ct);
        var filter = Parse(request.Query, attributes);
        var (where, parameters, _) = ListFilterSql.Translate(filter, firstParameter: 2, attributes);
        var grouped = filter.GroupBy is not null;
        await using var command = dataSource.CreateCommand(grouped
            ? $"SELECT status, count(*) FROM temporal.executions WHERE namespace = $1 AND ({where}) GROUP BY status ORDER BY status"
            : $"SELECT count(*) FROM temporal.executions WHERE namespace = $1 AND ({where})");
        command.Parameters.Add(new() { Value = request.Namespace });
        command.Parameters.AddRange(parameters.ToArray());
        var response = new CountWorkflowExecutionsResponse();
        await using var reader = await ExecuteAsync(command, ct);
        while (await reader.ReadAsync(ct))
        {
            if (!grouped)
            {
                response.Count = reader.GetInt64(0);
                continue;
            }
            var count = reader.GetInt64(1);
            response.Count += count;
            var group = new CountWorkflowExecutionsResponse.Types.AggregationGroup { Count = count };
            group.GroupValues.Add(SearchAttributes.Payload(((WorkflowExecutionStatus)reader.GetInt32(0)).ToString(), IndexedValueType.Keyword));
            response.Groups.Add(group);
        }
        return response;
    }

    /// <summary>The parsed query, checked against <paramref name="attributes"/>; INVALID_ARGUMENT naming the problem otherwise.</summary>
    public static ListFilter Parse(string query, SearchAttributeSet attributes)
    {
        try
        {
            var filter = ListFilterParser.Parse(query);
            ListFilterSql.Translate(filter, attributes: attributes);
            return filter;
        }
        catch (ListFilterException e)
        {
            throw ApiErrors.InvalidArgument($"invalid query: {e.Message}");
        }
    }

    static async Task<NpgsqlDataReader> ExecuteAsync(NpgsqlCommand command, CancellationToken ct)
    {
        try
        {
            return await command.ExecuteReaderAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState.StartsWith("22", StringComparison.Ordinal))
        {
            // Class 22 (data exception): a custom attribute's stored value does not cast to the type it was compared as.
            throw ApiErrors.InvalidArgument($"invalid query: {e.MessageText}");
        }
    }

    static int PageOffset(ByteString token)
    {
        if (token.IsEmpty) return 0;
        return int.TryParse(token.ToStringUtf8(), NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
            ? offset
            : throw ApiErrors.InvalidArgument("invalid next_page_token: it was not returned by ListWorkflowExecutions");
    }
}
