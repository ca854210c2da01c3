using System.Text.Json;
using Durable;
using Web.Api;
using Web.Security;

namespace Web.Workflows;

public sealed record RunList(IReadOnlyList<WorkflowDescription> Runs, long Total, string? NextPageToken);
public sealed record TerminateRequest(string? Reason);
public sealed record ResetRequest(long EventSeq, string? Reason);
public sealed record SignalRequest(string Name, JsonElement[]? Args);
public sealed record RunReference(string WorkflowId, Guid RunId);
public sealed record StartRequest(string WorkflowType, string WorkflowId, string TaskQueue, JsonElement[]? Args);

/// <summary>REST API of the workflow console: <c>/api/workflows/…</c> and <c>/api/schedules/…</c>.</summary>
public static class WorkflowsApi
{
    public static RouteGroupBuilder MapWorkflowsApi(this RouteGroupBuilder api)
    {
        var runs = api.MapGroup("/workflows").WithTags("Workflows");

        runs.MapGet("", async (DurableClient client, string? type, string? status, string? idPrefix, string? startedAfter, string? startedBefore,
            string? pageSize, string? pageToken, CancellationToken ct) =>
        {
            var v = new QueryValidation();
            var filter = RunFilter(v, type, status, idPrefix, startedAfter, startedBefore, pageSize, pageToken);
            if (!v.IsValid) return v.Problem();
            var page = await client.ListWorkflowsAsync(filter!, ct);
            return Results.Ok(new RunList(page.Runs, await client.CountWorkflowsAsync(filter!, ct), page.NextPageToken));
        })
        .WithSummary("Workflow runs, newest first")
        .WithDescription("Filters: type, status (Running, Completed, Failed, Canceled, Terminated, ContinuedAsNew, NonDeterministic), idPrefix, startedAfter/startedBefore (ISO 8601). Paging: pageSize (1-500, default 50) and pageToken from the previous page's nextPageToken.")
        .Produces<RunList>().ProducesValidationProblem();

        runs.MapGet("/{id}", async (WorkflowConsole console, string id, string? runId, CancellationToken ct) =>
        {
            var v = new QueryValidation();
            var run = RunId(v, runId);
            if (!v.IsValid) return v.Problem();
            return await console.DescribeAsync(id, run, ct) is { } detail ? Results.Ok(detail) : NotFound(id);
        })
        .WithSummary("One run (the latest of the ID unless runId is given) with input, result or failure, and child runs")
        .Produces<RunDetail>().ProducesProblem(404).ProducesValidationProblem();

        runs.MapGet("/{id}/history", async (DurableClient client, string id, string? runId, CancellationToken ct) =>
        {
            var v = new QueryValidation();
            var run = RunId(v, runId);
            if (!v.IsValid) return v.Problem();
            try
            {
                var history = await client.GetWorkflowHandle(id, run).FetchHistoryAsync(ct);
                return Results.File(System.Text.Encoding.UTF8.GetBytes(history.ToJson()), "application/json", $"{Safe(id)}-{history.RunId}.history.json");
            }
            catch (InvalidOperationException) { return NotFound(id); }
        })
        .WithSummary("The run's event history as a JSON download (input for WorkflowReplayer)")
        .Produces(200, contentType: "application/json").ProducesProblem(404);

        runs.MapGet("/{id}/replay", async (WorkflowConsole console, string id, string? runId, CancellationToken ct) =>
        {
            var v = new QueryValidation();
            var run = RunId(v, runId);
            if (!v.IsValid) return v.Problem();
            try { return Results.Ok(await console.ReplayAsync(id, run, ct)); }
            catch (InvalidOperationException) { return NotFound(id); }
        })
        .WithSummary("Replay check: replays the run's history against the workflow code deployed with this app")
        .Produces<ReplayCheck>().ProducesProblem(404);

        runs.MapPost("", async (DurableClient client, StartRequest body, CancellationToken ct) =>
        {
            var errors = StartProblems(body);
            if (errors.Count > 0) return Results.ValidationProblem(errors, title: "The start request is invalid.");
            var handle = await client.StartWorkflowAsync(body.WorkflowType, [.. (body.Args ?? []).Cast<object?>()], new WorkflowOptions(body.WorkflowId, body.TaskQueue), ct);
            return Results.Created($"/api/workflows/{Uri.EscapeDataString(handle.WorkflowId)}?runId={handle.RunId}", new RunReference(handle.WorkflowId, handle.RunId!.Value));
        })
        .RequireAuthorization(OperatorPolicy.ApiName)
        .WithSummary("Start a workflow by type name with JSON arguments (operators only); a running ID returns its running run")
        .Produces<RunReference>(201).ProducesValidationProblem().ProducesProblem(401).ProducesProblem(403);

        var actions = runs.MapGroup("/{id}").RequireAuthorization(OperatorPolicy.ApiName)
            .ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        actions.MapPost("/cancel", (DurableClient client, string id, string? runId, CancellationToken ct) =>
            Act(id, runId, async run => { await client.GetWorkflowHandle(id, run).CancelAsync(ct); return new RunReference(id, run ?? Guid.Empty); }))
            .WithSummary("Request cancellation of the running run (operators only)");
        actions.MapPost("/terminate", (DurableClient client, string id, string? runId, TerminateRequest? body, CancellationToken ct) =>
            Act(id, runId, async run => { await client.GetWorkflowHandle(id, run).TerminateAsync(body?.Reason ?? "terminated from the console", ct); return new RunReference(id, run ?? Guid.Empty); }))
            .WithSummary("Terminate the running run at once (operators only)");
        actions.MapPost("/retry", (DurableClient client, string id, string? runId, CancellationToken ct) =>
            Act(id, runId, async run => { var h = await client.GetWorkflowHandle(id, run).RetryAsync(ct); return new RunReference(id, h.RunId!.Value); }))
            .WithSummary("Start a new run of a failed, cancelled or terminated run with the same input (operators only)");
        actions.MapPost("/reset", (DurableClient client, string id, string? runId, ResetRequest body, CancellationToken ct) =>
            Act(id, runId, async run => { var h = await client.GetWorkflowHandle(id, run).ResetAsync(body.EventSeq, body.Reason, ct); return new RunReference(id, h.RunId!.Value); }))
            .WithSummary("Reset to a WorkflowTaskCompleted event: a new run continues from there (operators only)");
        actions.MapPost("/signal", (DurableClient client, string id, string? runId, SignalRequest body, CancellationToken ct) =>
            Act(id, runId, async run =>
            {
                if (string.IsNullOrWhiteSpace(body.Name)) throw new ArgumentException("name: the signal name is required");
                await client.GetWorkflowHandle(id, run).SignalAsync(body.Name, [.. (body.Args ?? []).Cast<object?>()], ct);
                return new RunReference(id, run ?? Guid.Empty);
            }))
            .WithSummary("Send a signal with JSON arguments to the running run (operators only)");

        var schedules = api.MapGroup("/schedules").WithTags("Schedules");
        schedules.MapGet("", (WorkflowConsole console, CancellationToken ct) => console.SchedulesAsync(ct)).WithSummary("Schedules");
        var scheduleActions = schedules.MapGroup("/{id}").RequireAuthorization(OperatorPolicy.ApiName).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404);
        scheduleActions.MapPost("/pause", (DurableClient client, string id, CancellationToken ct) => ScheduleAct(id, () => client.GetScheduleHandle(id).PauseAsync(ct)))
            .WithSummary("Pause a schedule (operators only)");
        scheduleActions.MapPost("/unpause", (DurableClient client, string id, CancellationToken ct) => ScheduleAct(id, () => client.GetScheduleHandle(id).UnpauseAsync(ct)))
            .WithSummary("Resume a schedule from now (operators only)");
        scheduleActions.MapPost("/trigger", async (DurableClient client, string id, CancellationToken ct) =>
        {
            try
            {
                var handle = await client.GetScheduleHandle(id).TriggerAsync(ct);
                return Results.Ok(new RunReference(handle.WorkflowId, handle.RunId!.Value));
            }
            catch (InvalidOperationException e) { return Results.Problem(title: "Schedule not found", detail: e.Message, statusCode: 404); }
        }).WithSummary("Start the schedule's workflow now (operators only)").Produces<RunReference>();
        return api;
    }

    static async Task<IResult> Act(string id, string? runId, Func<Guid?, Task<RunReference>> action)
    {
        var v = new QueryValidation();
        var run = RunId(v, runId);
        if (!v.IsValid) return v.Problem();
        try { return Results.Ok(await action(run)); }
        catch (ArgumentException e) { return Results.Problem(title: "Invalid request", detail: e.Message, statusCode: 400); }
        catch (WorkflowAlreadyStartedException e) { return Results.Problem(title: "Conflict", detail: e.Message, statusCode: 409); }
        catch (InvalidOperationException e) when (e.Message.Contains("no run of", StringComparison.Ordinal) || e.Message.Contains("not found", StringComparison.Ordinal))
        {
            return NotFound(id);
        }
        catch (InvalidOperationException e) { return Results.Problem(title: "Not possible in the run's current state", detail: e.Message, statusCode: 409); }
    }

    static async Task<IResult> ScheduleAct(string id, Func<Task> action)
    {
        try
        {
            await action();
            return Results.Ok(new { scheduleId = id });
        }
        catch (InvalidOperationException e) { return Results.Problem(title: "Schedule not found", detail: e.Message, statusCode: 404); }
    }

    internal static WorkflowListFilter? RunFilter(QueryValidation v, string? type, string? status, string? idPrefix, string? startedAfter, string? startedBefore, string? pageSize, string? pageToken)
    {
        var t = v.Code(nameof(type), type);
        var s = v.Enum<WorkflowStatus>(nameof(status), status);
        if (idPrefix is { Length: > 200 }) v.Fail(nameof(idPrefix), "is longer than 200 characters.");
        var after = v.Instant(nameof(startedAfter), startedAfter);
        var before = v.Instant(nameof(startedBefore), startedBefore);
        var size = v.Int(nameof(pageSize), pageSize, 50, 1, 500);
        if (pageToken is not null && !IsPageToken(pageToken)) v.Fail(nameof(pageToken), "is not a token returned as nextPageToken by this API.");
        return v.IsValid ? new WorkflowListFilter
        {
            WorkflowType = t,
            Status = s,
            IdPrefix = string.IsNullOrEmpty(idPrefix) ? null : idPrefix,
            StartedAfter = after,
            StartedBefore = before,
            PageSize = size,
            PageToken = pageToken,
        } : null;
    }

    internal static Dictionary<string, string[]> StartProblems(StartRequest body)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(body.WorkflowType) || body.WorkflowType.Length > 200) errors["workflowType"] = ["is required (the workflow's type name), at most 200 characters."];
        if (string.IsNullOrWhiteSpace(body.WorkflowId) || body.WorkflowId.Length > 200) errors["workflowId"] = ["is required, at most 200 characters."];
        if (string.IsNullOrWhiteSpace(body.TaskQueue) || body.TaskQueue.Length > 200) errors["taskQueue"] = ["is required (the queue the workers poll), at most 200 characters."];
        return errors;
    }

    static bool IsPageToken(string token) => token.Split('_') is [var ticks, var run] && long.TryParse(ticks, out _) && Guid.TryParse(run, out _);

    static Guid? RunId(QueryValidation v, string? runId)
    {
        if (string.IsNullOrWhiteSpace(runId)) return null;
        if (Guid.TryParse(runId, out var id)) return id;
        v.Fail(nameof(runId), $"'{runId}' is not a run ID (a UUID).");
        return null;
    }

    static IResult NotFound(string id) => Results.Problem(title: "Workflow not found", detail: $"No run of workflow '{id}' exists.", statusCode: 404);

    static string Safe(string id) => new([.. id.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_')]);
}
