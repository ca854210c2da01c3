using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Schedule.V1;
using Temporalio.Api.WorkflowService.V1;
using TemporalServer.Api;
using TemporalServer.Namespaces;
using TemporalServer.Visibility;

namespace TemporalServer.Schedules;

/// <summary>CreateSchedule, DescribeSchedule, UpdateSchedule, PatchSchedule, DeleteSchedule and ListSchedules.</summary>
sealed class ScheduleRpcs(ScheduleStore store, ScheduleActions actions, NamespaceRegistry namespaces, SearchAttributeRegistry searchAttributes) : IRpcFeature
{
    const int FutureActionTimes = 10;
    const int DefaultPageSize = 1000;

    public void Register(RpcHandlers handlers)
    {
        handlers.Add<CreateScheduleRequest, CreateScheduleResponse>("CreateSchedule", (r, call) => CreateAsync(r, call.CancellationToken));
        handlers.Add<DescribeScheduleRequest, DescribeScheduleResponse>("DescribeSchedule", (r, call) => DescribeAsync(r, call.CancellationToken));
        handlers.Add<UpdateScheduleRequest, UpdateScheduleResponse>("UpdateSchedule", (r, call) => UpdateAsync(r, call.CancellationToken));
        handlers.Add<PatchScheduleRequest, PatchScheduleResponse>("PatchSchedule", (r, call) => PatchAsync(r, call.CancellationToken));
        handlers.Add<DeleteScheduleRequest, DeleteScheduleResponse>("DeleteSchedule", (r, call) => DeleteAsync(r, call.CancellationToken));
        handlers.Add<ListSchedulesRequest, ListSchedulesResponse>("ListSchedules", (r, call) => ListAsync(r, call.CancellationToken));
    }

    async Task<CreateScheduleResponse> CreateAsync(CreateScheduleRequest request, CancellationToken ct)
    {
        namespaces.Require(request.Namespace);
        RequireId(request.ScheduleId);
        var times = Validate(request.Schedule);
        var now = actions.Now;
        var row = new ScheduleRow
        {
            Namespace = request.Namespace,
            ScheduleId = request.ScheduleId,
            Schedule = request.Schedule,
            Info = new ScheduleInfo { CreateTime = Timestamp.FromDateTime(now) },
            Memo = request.Memo,
            SearchAttributes = request.SearchAttributes,
            ConflictToken = 1,
            ProcessedUntil = now,
        };
        row.Schedule.State ??= new ScheduleState();
        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        if (!await ScheduleStore.InsertAsync(connection, tx, row, wakeAt: null, ct))
            throw new RpcException(new Status(StatusCode.AlreadyExists, $"schedule {request.ScheduleId} is already registered in namespace {request.Namespace}"));
        if (request.InitialPatch is { } patch) await ApplyAsync(row, patch, times, ct);
        await ScheduleStore.UpdateAsync(connection, tx, row, actions.WakeAt(row, times, now), ct);
        await tx.CommitAsync(ct);
        return new CreateScheduleResponse { ConflictToken = Token(row) };
    }

    async Task<DescribeScheduleResponse> DescribeAsync(DescribeScheduleRequest request, CancellationToken ct)
    {
        namespaces.Require(request.Namespace);
        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var row = await ScheduleStore.ReadAsync(connection, tx, request.Namespace, request.ScheduleId, forUpdate: false, ct) ?? throw NotFound(request.ScheduleId);
        await ScheduleActions.RefreshRunningAsync(connection, tx, row, ct);
        row.Info.FutureActionTimes.AddRange(Future(row, FutureActionTimes));
        return new DescribeScheduleResponse
        {
            Schedule = row.Schedule,
            Info = row.Info,
            Memo = row.Memo,
            SearchAttributes = row.SearchAttributes,
            ConflictToken = Token(row),
        };
    }

    async Task<UpdateScheduleResponse> UpdateAsync(UpdateScheduleRequest request, CancellationToken ct)
    {
        namespaces.Require(request.Namespace);
        var times = Validate(request.Schedule);
        await ChangeAsync(request.Namespace, request.ScheduleId, (row, now) =>
        {
            if (!request.ConflictToken.IsEmpty && !request.ConflictToken.Equals(Token(row)))
                throw new RpcException(new Status(StatusCode.FailedPrecondition, $"schedule {request.ScheduleId} was changed since it was described (conflict token mismatch)"));
            request.Schedule.State ??= new ScheduleState();
            row.Schedule = request.Schedule;
            // Absent: the search attributes stay; present (even empty): they are replaced.
            if (request.SearchAttributes is not null) row.SearchAttributes = request.SearchAttributes;
            row.Info.UpdateTime = Timestamp.FromDateTime(now);
            // Times before the update belong to the old spec: the new one starts from now.
            if (row.ProcessedUntil < now) row.ProcessedUntil = now;
            return Task.FromResult(times);
        }, ct);
        return new UpdateScheduleResponse();
    }

    async Task<PatchScheduleResponse> PatchAsync(PatchScheduleRequest request, CancellationToken ct)
    {
        namespaces.Require(request.Namespace);
        await ChangeAsync(request.Namespace, request.ScheduleId, async (row, _) =>
        {
            var times = new ScheduleTimes(row.Schedule.Spec);
            await ApplyAsync(row, request.Patch ?? new SchedulePatch(), times, ct);
            return times;
        }, ct);
        return new PatchScheduleResponse();
    }

    async Task<DeleteScheduleResponse> DeleteAsync(DeleteScheduleRequest request, CancellationToken ct)
    {
        namespaces.Require(request.Namespace);
        if (!await store.DeleteAsync(request.Namespace, request.ScheduleId, ct)) throw NotFound(request.ScheduleId);
        return new DeleteScheduleResponse();
    }

    async Task<ListSchedulesResponse> ListAsync(ListSchedulesRequest request, CancellationToken ct)
    {
        namespaces.Require(request.Namespace);
        var attributes = await searchAttributes.ForSchedulesAsync(request.Namespace, ct);
        var filter = VisibilityQueries.Parse(request.Query, attributes);
        if (filter.GroupBy is not null || filter.OrderBy.Count > 0) throw ApiErrors.InvalidArgument("invalid query: ListSchedules supports neither GROUP BY nor ORDER BY (schedules are listed by id)");
        var (where, parameters, _) = ListFilterSql.Translate(filter, firstParameter: 4, attributes, document: "search_document");
        var pageSize = request.MaximumPageSize > 0 ? request.MaximumPageSize : DefaultPageSize;
        var offset = request.NextPageToken.IsEmpty ? 0
            : int.TryParse(request.NextPageToken.ToStringUtf8(), NumberStyles.None, CultureInfo.InvariantCulture, out var o) ? o
            : throw ApiErrors.InvalidArgument("invalid next_page_token: it was not returned by ListSchedules");
        var rows = await store.ListAsync(request.Namespace, where, parameters, offset, pageSize + 1, ct);
        var response = new ListSchedulesResponse();
        foreach (var row in rows.Take(pageSize))
        {
            var info = new ScheduleListInfo
            {
                Spec = row.Schedule.Spec,
                WorkflowType = row.Schedule.Action?.StartWorkflow?.WorkflowType,
                Notes = row.Schedule.State.Notes,
                Paused = row.Schedule.State.Paused,
            };
            info.RecentActions.AddRange(row.Info.RecentActions);
            info.FutureActionTimes.AddRange(Future(row, 5));
            response.Schedules.Add(new ScheduleListEntry { ScheduleId = row.ScheduleId, Memo = row.Memo, SearchAttributes = row.SearchAttributes, Info = info });
        }
        if (rows.Count > pageSize) response.NextPageToken = ByteString.CopyFromUtf8((offset + pageSize).ToString(CultureInfo.InvariantCulture));
        return response;
    }

    /// <summary>Locks the schedule, applies <paramref name="change"/>, and stores it with its next wake-up time.</summary>
    async Task ChangeAsync(string ns, string scheduleId, Func<ScheduleRow, DateTime, Task<ScheduleTimes>> change, CancellationToken ct)
    {
        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var row = await ScheduleStore.ReadAsync(connection, tx, ns, scheduleId, forUpdate: true, ct) ?? throw NotFound(scheduleId);
        await ScheduleActions.RefreshRunningAsync(connection, tx, row, ct);
        var now = actions.Now;
        var times = await change(row, now);
        await actions.StartBufferedAsync(row, ct);
        row.ConflictToken++;
        await ScheduleStore.UpdateAsync(connection, tx, row, actions.WakeAt(row, times, now), ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>Pause/unpause (with notes), an immediate trigger, and backfills of past spec times.</summary>
    async Task ApplyAsync(ScheduleRow row, SchedulePatch patch, ScheduleTimes times, CancellationToken ct)
    {
        if (patch.Pause.Length > 0) { row.Schedule.State.Paused = true; row.Schedule.State.Notes = patch.Pause; }
        if (patch.Unpause.Length > 0) { row.Schedule.State.Paused = false; row.Schedule.State.Notes = patch.Unpause; }
        if (patch.TriggerImmediately is { } trigger)
            await actions.TakeAsync(row, actions.Now, ScheduleActions.OverlapPolicy(row, trigger.OverlapPolicy), ct);
        foreach (var backfill in patch.BackfillRequest)
        {
            var policy = ScheduleActions.OverlapPolicy(row, backfill.OverlapPolicy);
            // (start, end], as Temporal's scheduler takes a backfill: two adjacent ranges share no time.
            foreach (var nominal in times.Between(backfill.StartTime.ToDateTime(), backfill.EndTime.ToDateTime()))
                await actions.TakeAsync(row, nominal, policy, ct);
        }
    }

    /// <summary>The next spec times, also while paused (as Temporal shows them).</summary>
    IEnumerable<Timestamp> Future(ScheduleRow row, int count)
    {
        var from = row.ProcessedUntil > actions.Now ? row.ProcessedUntil : actions.Now;
        return new ScheduleTimes(row.Schedule.Spec).Between(from, DateTime.MaxValue, count).Select(Timestamp.FromDateTime);
    }

    static ScheduleTimes Validate(Schedule? schedule)
    {
        if (schedule?.Spec is null) throw ApiErrors.InvalidArgument("schedule.spec is required");
        if (schedule.Action?.StartWorkflow is not { } start) throw ApiErrors.InvalidArgument("schedule.action.start_workflow is required");
        if (string.IsNullOrEmpty(start.WorkflowId)) throw ApiErrors.InvalidArgument("schedule.action.start_workflow.workflow_id is required");
        if (string.IsNullOrEmpty(start.WorkflowType?.Name)) throw ApiErrors.InvalidArgument("schedule.action.start_workflow.workflow_type is required");
        if (string.IsNullOrEmpty(start.TaskQueue?.Name)) throw ApiErrors.InvalidArgument("schedule.action.start_workflow.task_queue is required");
        if (schedule.Policies?.OverlapPolicy is ScheduleOverlapPolicy.CancelOther or ScheduleOverlapPolicy.TerminateOther)
            throw ApiErrors.InvalidArgument($"schedule.policies.overlap_policy {schedule.Policies.OverlapPolicy} is not supported by this server (Skip, BufferOne, BufferAll and AllowAll are)");
        try
        {
            ScheduleTimes.CronStringsToCalendars(schedule.Spec);
            return new ScheduleTimes(schedule.Spec);
        }
        catch (ScheduleSpecException e)
        {
            throw ApiErrors.InvalidArgument($"schedule.spec: {e.Message}");
        }
    }

    static void RequireId(string scheduleId)
    {
        if (string.IsNullOrWhiteSpace(scheduleId)) throw ApiErrors.InvalidArgument("schedule_id is required");
    }

    static ByteString Token(ScheduleRow row) => ByteString.CopyFromUtf8(row.ConflictToken.ToString(CultureInfo.InvariantCulture));

    static RpcException NotFound(string scheduleId) => ApiErrors.TaskNotFound($"schedule {scheduleId}");
}
