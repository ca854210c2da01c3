using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Durable;
using Npgsql;
using NpgsqlTypes;
using Workflows.Trades;

namespace Web.Benchmarks;

/// <summary>
/// Workflow runs as the engine leaves them, written with binary COPY instead of executed (100k runs through a worker
/// would take hours on this machine): per run the columns <see cref="DurableClient"/> and the worker write (v7 run ID,
/// input as the serialised argument array, result or failure, start and close times, next_seq, schedule, traceparent,
/// next_run_id of a continued run), a history of matching length (WorkflowStarted; per step WorkflowTaskCompleted,
/// ActivityScheduled, ActivityCompleted; the closing event), and a pending workflow task for each running pipeline run.
/// The mix, newest run at <see cref="Now"/>: the live trade pipeline every minute (92 %), operator backfills (3 %),
/// hourly lake compaction (1.5 %), approvals waiting for a signal (2.5 %) and one data-quality workflow that continues
/// as new every 90 minutes (1 %); mostly Completed, with Failed, Canceled, Terminated, ContinuedAsNew and Running runs.
/// Only <c>TradePipelineWorkflow</c> exists in the Workflows project; the other types stand in for what a
/// production system runs next to it, so that type and status filters have realistic selectivity.
/// </summary>
public static class SyntheticRuns
{
    public static readonly DateTimeOffset Now = new(2023, 3, 15, 0, 0, 0, TimeSpan.Zero);

    // The engine's own options for history attributes (Durable's EngineJson is internal).
    static readonly JsonSerializerOptions EngineJson = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    sealed record Step(string Activity, object? Result);

    sealed record Run(string WorkflowId, string Type, string Queue, string? Schedule, JsonElement Input, DateTimeOffset StartedAt)
    {
        public Guid RunId { get; } = Guid.CreateVersion7(StartedAt);
        public WorkflowStatus Status { get; set; } = WorkflowStatus.Completed;
        public DateTimeOffset? ClosedAt { get; set; }
        public List<Step> Steps { get; } = [];
        public string? Signal { get; set; }
        public JsonElement? Result { get; set; }
        public FailureInfo? Failure { get; set; }
        public Guid? NextRunId { get; set; }
        public string? Reason { get; set; }
    }

    /// <summary>Writes <paramref name="count"/> runs with their histories; returns how many of each status.</summary>
    public static async Task<IReadOnlyDictionary<WorkflowStatus, int>> InsertAsync(NpgsqlDataSource dataSource, int count)
    {
        var runs = Generate(count);
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using (var writer = await connection.BeginBinaryImportAsync("""
            COPY durable.runs (run_id, workflow_id, workflow_type, task_queue, status, input, result, failure, started_at, closed_at, next_seq,
                               next_run_id, schedule_id, trace_parent) FROM STDIN (FORMAT BINARY)
            """))
        {
            foreach (var r in runs)
            {
                await writer.StartRowAsync();
                await writer.WriteAsync(r.RunId, NpgsqlDbType.Uuid);
                await writer.WriteAsync(r.WorkflowId, NpgsqlDbType.Text);
                await writer.WriteAsync(r.Type, NpgsqlDbType.Text);
                await writer.WriteAsync(r.Queue, NpgsqlDbType.Text);
                await writer.WriteAsync(r.Status.ToString(), NpgsqlDbType.Text);
                await writer.WriteAsync(r.Input.GetRawText(), NpgsqlDbType.Jsonb);
                await WriteNullableAsync(writer, r.Result?.GetRawText(), NpgsqlDbType.Jsonb);
                await WriteNullableAsync(writer, r.Failure is null ? null : JsonSerializer.Serialize(r.Failure, EngineJson), NpgsqlDbType.Jsonb);
                await writer.WriteAsync(r.StartedAt, NpgsqlDbType.TimestampTz);
                await WriteNullableAsync(writer, r.ClosedAt, NpgsqlDbType.TimestampTz);
                await writer.WriteAsync(History(r).Count + 1L, NpgsqlDbType.Bigint);
                await WriteNullableAsync(writer, r.NextRunId, NpgsqlDbType.Uuid);
                await WriteNullableAsync(writer, r.Schedule, NpgsqlDbType.Text);
                await writer.WriteAsync($"00-{Convert.ToHexStringLower(r.RunId.ToByteArray())}-{Convert.ToHexStringLower(r.RunId.ToByteArray()[8..])}-01", NpgsqlDbType.Text);
            }
            await writer.CompleteAsync();
        }
        await using (var writer = await connection.BeginBinaryImportAsync("COPY durable.events (run_id, seq, type, time, attributes) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var r in runs)
            {
                var seq = 0L;
                foreach (var (type, time, attributes) in History(r))
                {
                    await writer.StartRowAsync();
                    await writer.WriteAsync(r.RunId, NpgsqlDbType.Uuid);
                    await writer.WriteAsync(++seq, NpgsqlDbType.Bigint);
                    await writer.WriteAsync(type, NpgsqlDbType.Text);
                    await writer.WriteAsync(time, NpgsqlDbType.TimestampTz);
                    await writer.WriteAsync(JsonSerializer.Serialize(attributes, EngineJson), NpgsqlDbType.Jsonb);
                }
            }
            await writer.CompleteAsync();
        }
        await using (var tasks = new NpgsqlCommand("""
            INSERT INTO durable.workflow_tasks (run_id, task_queue, visible_at)
            SELECT run_id, task_queue, started_at FROM durable.runs WHERE status = 'Running' AND workflow_type = 'TradePipelineWorkflow'
            """, connection, tx))
            await tasks.ExecuteNonQueryAsync();
        await tx.CommitAsync();
        return runs.GroupBy(r => r.Status).ToDictionary(g => g.Key, g => g.Count());
    }

    static async Task WriteNullableAsync<T>(NpgsqlBinaryImporter writer, T? value, NpgsqlDbType type)
    {
        if (value is null) await writer.WriteNullAsync();
        else await writer.WriteAsync(value, type);
    }

    static List<Run> Generate(int count)
    {
        var random = new Random(5);
        var runs = new List<Run>(count);
        var live = (int)(count * 0.92);
        var backfills = (int)(count * 0.03);
        var compactions = (int)(count * 0.015);
        var qualityChecks = (int)(count * 0.01);
        var approvals = count - live - backfills - compactions - qualityChecks;
        var first = Now - TimeSpan.FromMinutes(live);

        var liveInput = Args(TradePipelineRequest.Live());
        for (var i = 0; i < live; i++)
        {
            var fireAt = first + TimeSpan.FromMinutes(i + 1);
            var run = new Run($"trades-live-{fireAt.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}", "TradePipelineWorkflow", TradePipelineWorkflow.TaskQueue, "trades-live", liveInput, fireAt.AddMilliseconds(random.Next(5, 400)));
            var partitions = random.NextDouble() < 0.35 ? random.Next(1, 6) : 0;
            PipelineSteps(run, partitions, random);
            Close(run, i == live - 1 ? WorkflowStatus.Running : Outcome(random, failed: 0.015, canceled: 0.002, terminated: 0.003),
                TimeSpan.FromSeconds(partitions == 0 ? random.NextDouble() * 0.5 + 0.05 : random.Next(4, 40)), random);
            runs.Add(run);
        }

        for (var i = 0; i < backfills; i++)
        {
            var day = DateOnly.FromDateTime(first.UtcDateTime).AddDays(random.Next(0, 60));
            var last = day.AddDays(random.Next(0, 7));
            var run = new Run($"trades-backfill-{day:yyyy-MM-dd}-{last:yyyy-MM-dd}-{i}", "TradePipelineWorkflow", TradePipelineWorkflow.TaskQueue, null,
                Args(TradePipelineRequest.Backfill(day, last)), RandomTime(first, random));
            PipelineSteps(run, (last.DayNumber - day.DayNumber + 1) * 5, random);
            Close(run, Outcome(random, failed: 0.08, canceled: 0.02, terminated: 0.01, running: 0.02), TimeSpan.FromMinutes(random.Next(1, 20)), random);
            runs.Add(run);
        }

        for (var i = 0; i < compactions; i++)
        {
            var fireAt = Now - TimeSpan.FromHours(compactions - i);
            var run = new Run($"lake-compaction-{fireAt.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}", "LakeCompactionWorkflow", "lake", "lake-compaction",
                Args(new { prefix = "trades/", olderThanHours = 24 }), fireAt.AddMilliseconds(random.Next(5, 400)));
            run.Steps.Add(new("ListSmallFiles", new { files = random.Next(0, 400) }));
            run.Steps.Add(new("Compact", new { filesWritten = random.Next(0, 20) }));
            Close(run, Outcome(random, failed: 0.03), TimeSpan.FromSeconds(random.Next(10, 300)), random);
            runs.Add(run);
        }

        for (var i = 0; i < approvals; i++)
        {
            var run = new Run($"approval-{i:D6}", "ApprovalWorkflow", "operators", null,
                Args(new { request = $"replay quarantine batch {i}", requestedBy = "ops" }), RandomTime(first, random));
            run.Steps.Add(new("NotifyApprovers", null));
            var status = Outcome(random, failed: 0.01, canceled: 0.10, terminated: 0.05, running: 0.15);
            if (status == WorkflowStatus.Completed) run.Signal = random.NextDouble() < 0.8 ? "approve" : "reject";
            Close(run, status, TimeSpan.FromMinutes(random.Next(2, 60 * 48)), random);
            runs.Add(run);
        }

        // One workflow ID, many runs: each continues as new with the next run's ID, the newest is running.
        Run? previous = null;
        for (var i = 0; i < qualityChecks; i++)
        {
            var run = new Run("data-quality", "DataQualityWorkflow", "pipeline", null, Args(new { iteration = i }), Now - TimeSpan.FromMinutes(90.0 * (qualityChecks - i)));
            run.Steps.Add(new("CheckLegsAgree", new { findings = random.Next(0, 5) }));
            run.Steps.Add(new("CheckDataLoss", new { gaps = 0 }));
            if (previous is not null) previous.NextRunId = run.RunId;
            Close(run, i == qualityChecks - 1 ? WorkflowStatus.Running : WorkflowStatus.ContinuedAsNew, TimeSpan.FromMinutes(90), random);
            runs.Add(previous = run);
        }
        return runs;
    }

    static JsonElement Args(object argument) => DurableSerializer.Default.ArgsToElement([argument], [argument.GetType()]);

    static DateTimeOffset RandomTime(DateTimeOffset first, Random random) => first + (Now - first) * random.NextDouble();

    static WorkflowStatus Outcome(Random random, double failed, double canceled = 0, double terminated = 0, double running = 0) => random.NextDouble() switch
    {
        var x when x < failed => WorkflowStatus.Failed,
        var x when x < failed + canceled => WorkflowStatus.Canceled,
        var x when x < failed + canceled + terminated => WorkflowStatus.Terminated,
        var x when x < failed + canceled + terminated + running => WorkflowStatus.Running,
        _ => WorkflowStatus.Completed,
    };

    static void PipelineSteps(Run run, int partitions, Random random)
    {
        var window = new SealedWindow(run.WorkflowId, null, null, [.. Enumerable.Range(0, partitions).Select(p => new DeliveryPartition(new DateOnly(2023, 1, 1).AddDays(p / 5), "FR"))]);
        run.Steps.Add(new("SealWindow", window));
        if (partitions == 0)
        {
            run.Result = DurableSerializer.Default.ToElement(new TradePipelineReport(run.WorkflowId, 0, 0, 0, 0, 0), typeof(TradePipelineReport));
            return;
        }
        var products = partitions * random.Next(150, 370);
        run.Steps.Add(new("Aggregate", new AggregateOutcome(products, products * random.Next(100, 300), 5, random.Next(0, 3))));
        run.Steps.Add(new("Detect", new DetectOutcome(random.Next(0, 40), "robust-mad")));
        run.Steps.Add(new("Export", new ExportOutcome(partitions * 4, products * 200L, [])));
        run.Result = DurableSerializer.Default.ToElement(new TradePipelineReport(run.WorkflowId, partitions, products, products * 200, 10, partitions * 4), typeof(TradePipelineReport));
    }

    static void Close(Run run, WorkflowStatus status, TimeSpan duration, Random random)
    {
        run.Status = status;
        if (status == WorkflowStatus.Running)
        {
            run.Steps.RemoveRange(Math.Min(1, run.Steps.Count), run.Steps.Count - Math.Min(1, run.Steps.Count));
            run.Result = null;
            return;
        }
        run.ClosedAt = run.StartedAt + duration;
        if (status == WorkflowStatus.Completed || status == WorkflowStatus.ContinuedAsNew)
        {
            if (status == WorkflowStatus.ContinuedAsNew) run.Result = null;
            return;
        }
        run.Result = null;
        run.Steps.RemoveRange(run.Steps.Count / 2, run.Steps.Count - run.Steps.Count / 2);
        if (status == WorkflowStatus.Failed)
            run.Failure = random.NextDouble() < 0.5
                ? new FailureInfo("Npgsql.NpgsqlException", "Exception while reading from stream", NonRetryable: false)
                : new FailureInfo("ActivityTimeout", "activity Export timed out (StartToClose 00:30:00) after 10 attempts");
        else run.Reason = status == WorkflowStatus.Terminated ? "terminated by ops from the console" : "canceled by ops";
    }

    /// <summary>The run's events in order, times spread evenly between start and close.</summary>
    static List<(string Type, DateTimeOffset Time, EventAttributes Attributes)> History(Run run)
    {
        var events = new List<(string Type, EventAttributes Attributes)>
        {
            (EventTypes.WorkflowStarted, new EventAttributes { Name = run.Type, Payload = run.Input, TaskQueue = run.Queue, WorkflowId = run.WorkflowId }),
        };
        foreach (var (step, index) in run.Steps.Select((s, i) => (s, i)))
        {
            events.Add((EventTypes.WorkflowTaskCompleted, new EventAttributes { SeenThrough = events.Count }));
            events.Add((EventTypes.ActivityScheduled, new EventAttributes { CommandIndex = index, Name = step.Activity, Payload = run.Input }));
            if (run.Status == WorkflowStatus.Running && index == run.Steps.Count - 1) continue; // still running
            events.Add((EventTypes.ActivityCompleted, new EventAttributes
            {
                CommandIndex = index,
                Payload = step.Result is null ? null : DurableSerializer.Default.ToElement(step.Result, step.Result.GetType()),
                Attempt = 1,
            }));
        }
        if (run.Signal is not null)
        {
            events.Add((EventTypes.SignalReceived, new EventAttributes { Name = run.Signal, Identity = "ops" }));
            events.Add((EventTypes.WorkflowTaskCompleted, new EventAttributes { SeenThrough = events.Count }));
        }
        if (run.ClosedAt is not null)
        {
            events.Add((EventTypes.WorkflowTaskCompleted, new EventAttributes { SeenThrough = events.Count }));
            events.Add(run.Status switch
            {
                WorkflowStatus.Completed => (EventTypes.WorkflowCompleted, new EventAttributes { Payload = run.Result }),
                WorkflowStatus.Failed => (EventTypes.WorkflowFailed, new EventAttributes { Failure = run.Failure }),
                WorkflowStatus.Canceled => (EventTypes.WorkflowCanceled, new EventAttributes { Reason = run.Reason }),
                WorkflowStatus.Terminated => (EventTypes.WorkflowTerminated, new EventAttributes { Reason = run.Reason, Identity = "ops" }),
                _ => (EventTypes.WorkflowContinuedAsNew, new EventAttributes { RunId = run.NextRunId, Payload = run.Input }),
            });
        }
        var span = (run.ClosedAt ?? run.StartedAt + TimeSpan.FromSeconds(1)) - run.StartedAt;
        return [.. events.Select((e, i) => (e.Type, run.StartedAt + span * i / Math.Max(1, events.Count - 1), e.Attributes))];
    }

    public static string Describe(IReadOnlyDictionary<WorkflowStatus, int> statuses) =>
        string.Join(", ", statuses.OrderByDescending(s => s.Value).Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Value:N0} {s.Key}")));
}
