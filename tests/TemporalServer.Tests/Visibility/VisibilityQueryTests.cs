using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Converters;
using Temporalio.Exceptions;
using Temporalio.Worker;

namespace TemporalServer.Tests.Visibility;

/// <summary>List filters through the SDK's ListWorkflowsAsync/CountWorkflowsAsync, run as SQL on the real database.</summary>
[Collection(TemporalCollection.Name)]
public sealed class VisibilityQueryTests(TemporalEnvironment env)
{
    static readonly SearchAttributeKey<string> Keyword = SearchAttributeKey.CreateKeyword("CustomKeywordField");
    static readonly SearchAttributeKey<long> Number = SearchAttributeKey.CreateLong("CustomIntField");

    [Fact]
    public async Task Filters_on_system_and_custom_search_attributes_select_exactly_the_matching_runs()
    {
        var queue = "q-" + Guid.NewGuid().ToString("N");
        await using var worker = new RunningWorker(env.Client, new TemporalWorkerOptions(queue).AddWorkflow<SleepingWorkflow>());
        var alpha1 = await StartAsync(queue, "alpha-1", 1);
        var alpha2 = await StartAsync(queue, "alpha-2", 5);
        var beta = await StartAsync(queue, "beta", 9);
        var done = await env.Client.StartWorkflowAsync((SleepingWorkflow wf) => wf.RunAsync(TimeSpan.FromMilliseconds(1)), new("done-" + Guid.NewGuid().ToString("N"), queue));
        await done.GetResultAsync();
        try
        {
            var inQueue = $"TaskQueue = '{queue}'";
            Assert.Equal(Ids(alpha1, alpha2), await ListAsync($"{inQueue} AND `CustomKeywordField` STARTS_WITH \"alpha\""));
            Assert.Equal(Ids(alpha2, beta), await ListAsync($"{inQueue} AND CustomIntField >= 5"));
            Assert.Equal(Ids(alpha2), await ListAsync($"{inQueue} AND CustomIntField BETWEEN 2 AND 8 AND ExecutionStatus = \"Running\""));
            Assert.Equal(Ids(alpha1, beta), await ListAsync($"{inQueue} AND (WorkflowId = '{alpha1.Id}' OR WorkflowId = '{beta.Id}')"));
            Assert.Equal(Ids(beta), await ListAsync($"{inQueue} AND CustomKeywordField IN (\"beta\", \"gamma\")"));
            Assert.Equal(Ids(done), await ListAsync($"{inQueue} AND CloseTime IS NOT NULL"));
            Assert.Equal(Ids(done), await ListAsync($"{inQueue} AND CustomKeywordField IS NULL"));
            Assert.Equal(Ids(alpha1, alpha2, beta), await ListAsync($"{inQueue} AND ExecutionStatus != 'Completed' AND StartTime > '2020-01-01T00:00:00Z'"));

            var count = await env.Client.CountWorkflowsAsync($"{inQueue} GROUP BY ExecutionStatus");
            Assert.Equal(4, count.Count);
            var groups = count.Groups.ToDictionary(g => GroupName(g.GroupValues.Single()), g => g.Count);
            Assert.Equal(new Dictionary<string, long> { ["Running"] = 3, ["Completed"] = 1 }, groups);
        }
        finally
        {
            foreach (var handle in new[] { alpha1, alpha2, beta }) await handle.TerminateAsync("test over");
        }
    }

    [Fact]
    public async Task A_search_attribute_registered_through_the_operator_service_is_listed_set_and_filterable_until_removed()
    {
        var name = "PipelineTestKeyword" + Guid.NewGuid().ToString("N")[..8];
        var registered = SearchAttributeKey.CreateKeyword(name);
        await env.Client.OperatorService.AddSearchAttributesAsync(new() { Namespace = "default", SearchAttributes = { [name] = IndexedValueType.Keyword } });
        // Registering the same attribute again with the same type changes nothing; with another type it is refused.
        await env.Client.OperatorService.AddSearchAttributesAsync(new() { Namespace = "default", SearchAttributes = { [name] = IndexedValueType.Keyword } });
        var conflict = await Assert.ThrowsAsync<RpcException>(() =>
            env.Client.OperatorService.AddSearchAttributesAsync(new() { Namespace = "default", SearchAttributes = { [name] = IndexedValueType.Int } }));
        Assert.Equal(RpcException.StatusCode.InvalidArgument, conflict.Code);

        var listed = await env.Client.OperatorService.ListSearchAttributesAsync(new() { Namespace = "default" });
        Assert.Equal(IndexedValueType.Keyword, listed.CustomAttributes[name]);
        var queue = "q-" + Guid.NewGuid().ToString("N");
        await using var worker = new RunningWorker(env.Client, new TemporalWorkerOptions(queue).AddWorkflow<SleepingWorkflow>());
        var tagged = await env.Client.StartWorkflowAsync((SleepingWorkflow wf) => wf.RunAsync(TimeSpan.FromMilliseconds(1)), new("tagged-" + Guid.NewGuid().ToString("N"), queue)
        {
            TypedSearchAttributes = new SearchAttributeCollection.Builder().Set(registered, "blue").ToSearchAttributeCollection(),
        });
        await env.Client.ExecuteWorkflowAsync((SleepingWorkflow wf) => wf.RunAsync(TimeSpan.FromMilliseconds(1)), new("untagged-" + Guid.NewGuid().ToString("N"), queue));
        await tagged.GetResultAsync();
        Assert.Equal(Ids(tagged), await ListAsync($"TaskQueue = '{queue}' AND {name} = 'blue'"));

        await env.Client.OperatorService.RemoveSearchAttributesAsync(new() { Namespace = "default", SearchAttributes = { name } });
        var removed = await Assert.ThrowsAsync<RpcException>(() => ListAsync($"{name} = 'blue'"));
        Assert.Contains($"{name} is not a registered search attribute", removed.Message);
    }

    [Fact]
    public async Task An_invalid_filter_is_an_invalid_argument_naming_the_problem()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => ListAsync("CustomKeywordField = 'x' AND Nonsense > 3"));

        Assert.Equal(RpcException.StatusCode.InvalidArgument, error.Code);
        Assert.Contains("invalid search attribute: Nonsense is not a registered search attribute", error.Message);
    }

    async Task<WorkflowHandle<SleepingWorkflow, string>> StartAsync(string queue, string keyword, long number) =>
        await env.Client.StartWorkflowAsync((SleepingWorkflow wf) => wf.RunAsync(TimeSpan.FromHours(1)), new($"{keyword}-{Guid.NewGuid():N}", queue)
        {
            TypedSearchAttributes = new SearchAttributeCollection.Builder().Set(Keyword, keyword).Set(Number, number).ToSearchAttributeCollection(),
        });

    async Task<string[]> ListAsync(string query)
    {
        var ids = new List<string>();
        await foreach (var execution in env.Client.ListWorkflowsAsync(query)) ids.Add(execution.Id);
        return [.. ids.Order(StringComparer.Ordinal)];
    }

    /// <summary>The SDK decodes a group value when it knows its search-attribute type, else hands over the payload.</summary>
    static string GroupName(object value) =>
        value is Temporalio.Api.Common.V1.Payload payload ? DataConverter.Default.PayloadConverter.ToValue<string>(payload) : (string)value;

    static string[] Ids(params WorkflowHandle[] handles) => [.. handles.Select(h => h.Id).Order(StringComparer.Ordinal)];
}
