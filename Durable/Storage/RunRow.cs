using System.Text.Json;

namespace Durable.Storage;

/// <summary>A run's row as read under its lock. NextSeq advances as events are appended in the same transaction.</summary>
internal sealed class RunRow
{
    public required Guid RunId { get; init; }
    public required string WorkflowId { get; init; }
    public required string WorkflowType { get; init; }
    public required string TaskQueue { get; init; }
    public required WorkflowStatus Status { get; set; }
    public required long NextSeq { get; set; }
    public required JsonElement Input { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public Guid? ParentRunId { get; init; }
    public string? ParentWorkflowId { get; init; }
    public int? ParentCommandIndex { get; init; }
    public string? ScheduleId { get; init; }
    public string? TraceParent { get; init; }

    public const string Columns = "run_id, workflow_id, workflow_type, task_queue, status, next_seq, input, started_at, parent_run_id, parent_workflow_id, parent_command_index, schedule_id, trace_parent";

    public static RunRow Read(Npgsql.NpgsqlDataReader r) => new()
    {
        RunId = r.GetGuid(0),
        WorkflowId = r.GetString(1),
        WorkflowType = r.GetString(2),
        TaskQueue = r.GetString(3),
        Status = Enum.Parse<WorkflowStatus>(r.GetString(4)),
        NextSeq = r.GetInt64(5),
        Input = JsonDocument.Parse(r.GetString(6)).RootElement,
        StartedAt = r.GetFieldValue<DateTimeOffset>(7),
        ParentRunId = r.IsDBNull(8) ? null : r.GetGuid(8),
        ParentWorkflowId = r.IsDBNull(9) ? null : r.GetString(9),
        ParentCommandIndex = r.IsDBNull(10) ? null : r.GetInt32(10),
        ScheduleId = r.IsDBNull(11) ? null : r.GetString(11),
        TraceParent = r.IsDBNull(12) ? null : r.GetString(12),
    };
}

/// <summary>What is needed to create a run.</summary>
internal sealed record NewRun(string WorkflowId, string WorkflowType, string TaskQueue, JsonElement Input)
{
    public Guid RunId { get; init; } = Guid.CreateVersion7();
    public Guid? ParentRunId { get; init; }
    public string? ParentWorkflowId { get; init; }
    public int? ParentCommandIndex { get; init; }
    public string? ScheduleId { get; init; }
    public string? TraceParent { get; init; }
    /// <summary>Copied history for a reset; null starts with a single WorkflowStarted event.</summary>
    public IReadOnlyList<HistoryEvent>? History { get; init; }
}
