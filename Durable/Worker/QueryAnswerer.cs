using System.Text.Json;
using Durable.Storage;
using Microsoft.Extensions.Logging;

namespace Durable;

/// <summary>
/// Answers queries: the client writes a row, a worker of the run's task queue replays the run (including events not yet
/// processed, such as a signal just sent), reads the query member and writes the answer back. Nothing is appended to history.
/// </summary>
internal sealed class QueryAnswerer(WorkerContext context)
{
    const string ClaimSql = """
        UPDATE durable.queries SET visible_at = $3 WHERE id IN (
            SELECT id FROM durable.queries WHERE task_queue = $1 AND answered_at IS NULL AND visible_at <= $2
            ORDER BY created_at LIMIT 16 FOR UPDATE SKIP LOCKED)
        RETURNING id, run_id, name, args::text
        """;
    const string AnswerSql = "UPDATE durable.queries SET result = $2, error = $3, answered_at = $4 WHERE id = $1";

    public async Task<TimeSpan> PollAsync(CancellationToken ct)
    {
        var claimed = new List<(Guid Id, Guid RunId, string Name, JsonElement Args)>();
        await using (var tx = await RunTransaction.BeginAsync(context.DataSource, ct))
        {
            await using (var command = tx.Command(ClaimSql, context.Queue, context.Now, context.LeaseExpiry))
            await using (var reader = await command.ExecuteReaderAsync(ct))
                while (await reader.ReadAsync(ct))
                    claimed.Add((reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), JsonDocument.Parse(reader.GetString(3)).RootElement));
            await tx.CommitAsync(ct);
        }
        foreach (var q in claimed)
        {
            JsonElement? result = null;
            string? error = null;
            try { result = await AnswerAsync(q.RunId, q.Name, q.Args, ct); }
            catch (Exception e) when (e is not OperationCanceledException) { error = $"{e.GetType().Name}: {e.Message}"; }
            await using var tx = await RunTransaction.BeginAsync(context.DataSource, ct);
            await tx.ExecuteAsync(AnswerSql, ct, q.Id, RunTransaction.Json(result), error, context.Now);
            await tx.CommitAsync(ct);
        }
        return claimed.Count == 0 ? context.Options.PollInterval : TimeSpan.Zero;
    }

    async Task<JsonElement?> AnswerAsync(Guid runId, string name, JsonElement args, CancellationToken ct)
    {
        var (run, events) = await HistoryLoader.LoadAsync(context.DataSource, runId, ct) ?? throw new InvalidOperationException($"run {runId} not found");
        if (!context.Options.Workflows.TryGetValue(run.WorkflowType, out var definition))
            throw new InvalidOperationException($"workflow type {run.WorkflowType} is not registered on worker {context.WorkerId}");
        var execution = WorkflowExecution.Replay(definition, HistoryLoader.InfoOf(run), events, context.Serializer, context.LoggerFactory.CreateLogger(definition.Type));
        // Replaying: a query must not log as if the workflow ran; its commands are discarded.
        execution.RunLiveStep(events.Count > 0 ? events[^1].Time : context.Now, replaying: true);
        var value = execution.Instance.Query(name, args, out var type);
        return context.Serializer.ToElement(value, type);
    }
}
