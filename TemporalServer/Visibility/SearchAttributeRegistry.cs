using Npgsql;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.OperatorService.V1;
using TemporalServer.Api;
using TemporalServer.Namespaces;

namespace TemporalServer.Visibility;

/// <summary>
/// OperatorService's search-attribute RPCs (List, Add, Remove) and the attributes a namespace's list filters may
/// name: system attributes, the defaults every namespace has, and those registered in temporal.search_attributes,
/// read from the database on each use so that every server process sees a registration at once.
/// </summary>
sealed class SearchAttributeRegistry(NpgsqlDataSource dataSource, NamespaceRegistry namespaces) : IRpcFeature
{
    public void Register(RpcHandlers handlers)
    {
        handlers.Add<ListSearchAttributesRequest, ListSearchAttributesResponse>("ListSearchAttributes", (r, call) => ListAsync(r, call.CancellationToken));
        handlers.Add<AddSearchAttributesRequest, AddSearchAttributesResponse>("AddSearchAttributes", (r, call) => AddAsync(r, call.CancellationToken));
        handlers.Add<RemoveSearchAttributesRequest, RemoveSearchAttributesResponse>("RemoveSearchAttributes", (r, call) => RemoveAsync(r, call.CancellationToken));
    }

    public async Task<SearchAttributeSet> ForNamespaceAsync(string ns, CancellationToken ct) => new(await RegisteredAsync(ns, ct));

    /// <summary>What a ListSchedules query may name in the namespace: the schedule attributes and the custom ones.</summary>
    public async Task<SearchAttributeSet> ForSchedulesAsync(string ns, CancellationToken ct) => new(await RegisteredAsync(ns, ct), SearchAttributes.ScheduleAttributes);

    async Task<List<SearchAttribute>> RegisteredAsync(string ns, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT name, type FROM temporal.search_attributes WHERE namespace = $1");
        command.Parameters.Add(new() { Value = ns });
        var registered = new List<SearchAttribute>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) registered.Add(new(reader.GetString(0), (IndexedValueType)reader.GetInt32(1), null, IsSystem: false));
        return registered;
    }

    async Task<ListSearchAttributesResponse> ListAsync(ListSearchAttributesRequest request, CancellationToken ct)
    {
        var response = new ListSearchAttributesResponse();
        // The Web UI asks without a namespace on some pages: it then gets the defaults.
        var attributes = string.IsNullOrEmpty(request.Namespace) ? SearchAttributeSet.Defaults : await ForNamespaceAsync(namespaces.Require(request.Namespace), ct);
        foreach (var attribute in attributes.All)
            (attribute.IsSystem ? response.SystemAttributes : response.CustomAttributes).Add(attribute.Name, attribute.Type);
        return response;
    }

    /// <summary>As Temporal: an attribute already registered with the same type is left alone; with another type it is an error.</summary>
    async Task<AddSearchAttributesResponse> AddAsync(AddSearchAttributesRequest request, CancellationToken ct)
    {
        var ns = namespaces.Require(request.Namespace);
        if (request.SearchAttributes.Count == 0) throw ApiErrors.InvalidArgument("SearchAttributes are not set on request.");
        var existing = await ForNamespaceAsync(ns, ct);
        foreach (var (name, type) in request.SearchAttributes)
        {
            if (string.IsNullOrWhiteSpace(name)) throw ApiErrors.InvalidArgument("Search attribute name is empty.");
            if (!Enum.IsDefined(type) || type == IndexedValueType.Unspecified) throw ApiErrors.InvalidArgument($"Unknown search attribute type: {type} (attribute {name}).");
            if (!existing.Contains(name)) continue;
            var current = existing.Find(name);
            if (current.IsSystem) throw ApiErrors.InvalidArgument($"Search attribute {name} is reserved by system.");
            if (current.Type != type) throw ApiErrors.InvalidArgument($"Search attribute {name} of type {current.Type} already exists.");
        }
        await using var command = dataSource.CreateCommand("""
            INSERT INTO temporal.search_attributes (namespace, name, type)
            SELECT $1, unnest($2::text[]), unnest($3::int[]) ON CONFLICT (namespace, name) DO NOTHING
            """);
        var added = request.SearchAttributes.Where(a => !existing.Contains(a.Key)).ToList();
        command.Parameters.Add(new() { Value = ns });
        command.Parameters.Add(new() { Value = added.Select(a => a.Key).ToArray() });
        command.Parameters.Add(new() { Value = added.Select(a => (int)a.Value).ToArray() });
        await command.ExecuteNonQueryAsync(ct);
        return new AddSearchAttributesResponse();
    }

    async Task<RemoveSearchAttributesResponse> RemoveAsync(RemoveSearchAttributesRequest request, CancellationToken ct)
    {
        var ns = namespaces.Require(request.Namespace);
        if (request.SearchAttributes.Count == 0) throw ApiErrors.InvalidArgument("SearchAttributes are not set on request.");
        var registered = (await ForNamespaceAsync(ns, ct)).All.Where(a => !a.IsSystem).Select(a => a.Name).Except(SearchAttributes.DefaultCustomAttributes.Select(a => a.Name)).ToHashSet();
        foreach (var name in request.SearchAttributes.Where(n => !registered.Contains(n)))
            throw SearchAttributeSet.Defaults.Contains(name)
                ? ApiErrors.InvalidArgument($"Unable to remove search attribute {name}: it is built into this server.")
                : ApiErrors.NotFound($"Search attribute {name} doesn't exist.");
        await using var command = dataSource.CreateCommand("DELETE FROM temporal.search_attributes WHERE namespace = $1 AND name = ANY($2)");
        command.Parameters.Add(new() { Value = ns });
        command.Parameters.Add(new() { Value = request.SearchAttributes.ToArray() });
        await command.ExecuteNonQueryAsync(ct);
        return new RemoveSearchAttributesResponse();
    }
}
