using System.Text.Json;
using Durable.Storage;
using Npgsql;

namespace Durable;

/// <summary>Reads a run and its history in one round trip.</summary>
internal static class HistoryLoader
{
    const string RunSql = $"SELECT {RunRow.Columns} FROM durable.runs WHERE run_id = $1";
    const string EventsSql = "SELECT seq, type, time, attributes::text FROM durable.events WHERE run_id = $1 AND seq > $2 ORDER BY seq";

    public static async Task<(RunRow Run, List<HistoryEvent> Events)?> LoadAsync(NpgsqlDataSource dataSource, Guid runId, CancellationToken ct, long afterSeq = 0)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands = { new(RunSql) { Parameters = { new() { Value = runId } } }, new(EventsSql) { Parameters = { new() { Value = runId }, new() { Value = afterSeq } } } },
        };
        await using var reader = await batch.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        var run = RunRow.Read(reader);
        await reader.NextResultAsync(ct);
        var events = new List<HistoryEvent>();
        while (await reader.ReadAsync(ct))
            events.Add(new HistoryEvent(reader.GetInt64(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2), EngineJson.Deserialize<EventAttributes>(reader.GetString(3))));
        return (run, events);
    }

    public static WorkflowInfo InfoOf(RunRow run) => new(run.WorkflowId, run.RunId, run.WorkflowType, run.TaskQueue, run.StartedAt, run.ParentWorkflowId);
}
