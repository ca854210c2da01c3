using System.Text.Json;
using Google.Protobuf;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;

namespace TemporalServer.Visibility;

/// <summary>
/// A search attribute a filter may name: its type, and its column of temporal.executions (null: a key of the
/// jsonb <c>search_attributes</c>). System attributes are Temporal's own; the rest are custom.
/// </summary>
sealed record SearchAttribute(string Name, IndexedValueType Type, string? Column, bool IsSystem = true);

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

    /// <summary>Set on the workflows a schedule starts: its id and the nominal time of the action.</summary>
    public const string ScheduledById = "TemporalScheduledById";
    public const string ScheduledStartTime = "TemporalScheduledStartTime";

    /// <summary>Set by Temporal's scheduler on a schedule: whether it is paused.</summary>
    public const string TemporalSchedulePaused = "TemporalSchedulePaused";

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
        new(TemporalNamespaceDivision, IndexedValueType.Keyword, null),
        new(ScheduledById, IndexedValueType.Keyword, null),
        new(ScheduledStartTime, IndexedValueType.Datetime, null),
    ];

    static readonly SearchAttribute[] Custom =
    [
        new("CustomKeywordField", IndexedValueType.Keyword, null, IsSystem: false),
        new("CustomStringField", IndexedValueType.Text, null, IsSystem: false),
        new("CustomTextField", IndexedValueType.Text, null, IsSystem: false),
        new("CustomIntField", IndexedValueType.Int, null, IsSystem: false),
        new("CustomDoubleField", IndexedValueType.Double, null, IsSystem: false),
        new("CustomBoolField", IndexedValueType.Bool, null, IsSystem: false),
        new("CustomDatetimeField", IndexedValueType.Datetime, null, IsSystem: false),
        new("CustomKeywordListField", IndexedValueType.KeywordList, null, IsSystem: false),
    ];

    /// <summary>
    /// What ListSchedules' queries may name besides custom attributes: the schedule's id (the UI's schedule filter)
    /// and, as on Temporal's scheduler workflows, whether it is paused (columns of temporal.schedules).
    /// </summary>
    static readonly SearchAttribute[] Schedule =
    [
        new("ScheduleId", IndexedValueType.Keyword, "schedule_id"),
        new(TemporalSchedulePaused, IndexedValueType.Bool, null),
    ];

    public static IEnumerable<SearchAttribute> SystemAttributes => System;

    public static IEnumerable<SearchAttribute> ScheduleAttributes => Schedule;

    /// <summary>The custom attributes every namespace has without registering them.</summary>
    public static IEnumerable<SearchAttribute> DefaultCustomAttributes => Custom;

    /// <summary>A search attribute value as Temporal encodes it: json/plain with the attribute type in the metadata.</summary>
    public static Payload Payload(string value, IndexedValueType type) => new()
    {
        Metadata = { ["encoding"] = ByteString.CopyFromUtf8("json/plain"), ["type"] = ByteString.CopyFromUtf8(type.ToString()) },
        Data = ByteString.CopyFromUtf8(JsonSerializer.Serialize(value)),
    };
}

/// <summary>The search attributes of one namespace: system, default custom and registered ones, by name.</summary>
sealed class SearchAttributeSet
{
    readonly Dictionary<string, SearchAttribute> _byName;

    /// <summary>The registered attributes with the default custom ones and <paramref name="system"/> (by default: a workflow's).</summary>
    public SearchAttributeSet(IEnumerable<SearchAttribute> registered, IEnumerable<SearchAttribute>? system = null) =>
        _byName = (system ?? SearchAttributes.SystemAttributes).Concat(SearchAttributes.DefaultCustomAttributes).Concat(registered)
            .ToDictionary(a => a.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>A namespace with nothing registered.</summary>
    public static SearchAttributeSet Defaults { get; } = new([]);

    public IEnumerable<SearchAttribute> All => _byName.Values;

    public bool Contains(string name) => _byName.ContainsKey(name);

    public SearchAttribute Find(string name) =>
        _byName.TryGetValue(name, out var attribute) ? attribute
            : throw new ListFilterException($"invalid search attribute: {name} is not a registered search attribute");
}
