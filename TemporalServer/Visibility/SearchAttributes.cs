using Temporalio.Api.Enums.V1;

namespace TemporalServer.Visibility;

/// <summary>A search attribute a filter may name: its type, and the SQL expression over temporal.executions.</summary>
sealed record SearchAttribute(string Name, IndexedValueType Type, string? Column)
{
    public bool IsSystem => Column is not null;
}

/// <summary>
/// The search attributes of this server: Temporal's system attributes backed by columns of temporal.executions,
/// and the custom attributes a Temporal dev server registers by default, kept in the jsonb column
/// <c>search_attributes</c> (name → JSON value).
/// </summary>
static class SearchAttributes
{
    public const string ExecutionStatus = "ExecutionStatus";

    /// <summary>Set by Temporal on its internal workflows (schedules, batches); the UI's schedule count filters on it.</summary>
    public const string TemporalNamespaceDivision = "TemporalNamespaceDivision";

    static readonly SearchAttribute[] System =
    [
        new("WorkflowId", IndexedValueType.Keyword, "workflow_id"),
        new("RunId", IndexedValueType.Keyword, "run_id::text"),
        new("WorkflowType", IndexedValueType.Keyword, "workflow_type"),
        new(ExecutionStatus, IndexedValueType.Keyword, "status"),
        new("StartTime", IndexedValueType.Datetime, "start_time"),
        new("ExecutionTime", IndexedValueType.Datetime, "execution_time"),
        new("CloseTime", IndexedValueType.Datetime, "close_time"),
        new("TaskQueue", IndexedValueType.Keyword, "task_queue"),
        new("HistoryLength", IndexedValueType.Int, "history_length"),
        new("ParentWorkflowId", IndexedValueType.Keyword, "parent_workflow_id"),
        new("ParentRunId", IndexedValueType.Keyword, "parent_run_id::text"),
    ];

    static readonly SearchAttribute[] Custom =
    [
        new(TemporalNamespaceDivision, IndexedValueType.Keyword, null),
        new("CustomKeywordField", IndexedValueType.Keyword, null),
        new("CustomStringField", IndexedValueType.Text, null),
        new("CustomTextField", IndexedValueType.Text, null),
        new("CustomIntField", IndexedValueType.Int, null),
        new("CustomDoubleField", IndexedValueType.Double, null),
        new("CustomBoolField", IndexedValueType.Bool, null),
        new("CustomDatetimeField", IndexedValueType.Datetime, null),
        new("CustomKeywordListField", IndexedValueType.KeywordList, null),
    ];

    static readonly Dictionary<string, SearchAttribute> ByName =
        System.Concat(Custom).ToDictionary(a => a.Name, StringComparer.OrdinalIgnoreCase);

    public static IEnumerable<SearchAttribute> SystemAttributes => System;

    /// <summary>Custom attributes as ListSearchAttributes reports them (the namespace division is internal).</summary>
    public static IEnumerable<SearchAttribute> CustomAttributes => Custom.Where(a => a.Name != TemporalNamespaceDivision);

    public static SearchAttribute Find(string name) =>
        ByName.TryGetValue(name, out var attribute) ? attribute
            : throw new ListFilterException($"invalid search attribute: {name} is not a registered search attribute");
}
