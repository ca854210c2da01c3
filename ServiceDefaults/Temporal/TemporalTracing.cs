using System.Diagnostics;
using Temporalio.Activities;
using Temporalio.Api.Common.V1;
using Temporalio.Client;
using Temporalio.Client.Interceptors;
using Temporalio.Converters;
using Temporalio.Worker.Interceptors;
using Temporalio.Workflows;

namespace ServiceDefaults.Temporal;

/// <summary>
/// Traces through Temporal: starting or signalling a workflow is a client span whose W3C trace context travels in
/// the workflow's headers; the worker continues it for the workflow run and every activity it schedules, so a
/// pipeline run is one trace from Web or the CLI through the server into the activities' PostgreSQL and S3 calls.
/// </summary>
/// <remarks>
/// Stands in for <c>Temporalio.Extensions.OpenTelemetry</c>, which this environment's NuGet mirror does not serve.
/// Same header (<c>_tracer-data</c>, a JSON map holding <c>traceparent</c>) so traces join with other SDKs' OpenTelemetry
/// interceptors. Workflow code is replayed: its spans are started and stopped at once, and only when the code is not
/// replaying, so a replay never emits a span twice and nothing open is carried across workflow tasks or workers.
/// Set it on the client's interceptors; workers built on that client apply it too.
/// </remarks>
public sealed class TemporalTracing : IClientInterceptor, IWorkerInterceptor
{
    public static readonly ActivitySource ClientSource = new("Temporalio.Client");
    public static readonly ActivitySource WorkflowSource = new("Temporalio.Workflow");
    public static readonly ActivitySource ActivitySource = new("Temporalio.Activity");
    public static readonly string[] SourceNames = [ClientSource.Name, WorkflowSource.Name, ActivitySource.Name];

    /// <summary>The header the official extension uses, so other SDKs' tracing interceptors read ours.</summary>
    public const string HeaderKey = "_tracer-data";

    public ClientOutboundInterceptor InterceptClient(ClientOutboundInterceptor nextInterceptor) => new ClientOutbound(nextInterceptor);

    public WorkflowInboundInterceptor InterceptWorkflow(WorkflowInboundInterceptor nextInterceptor) => new WorkflowInbound(nextInterceptor);

    public ActivityInboundInterceptor InterceptActivity(ActivityInboundInterceptor nextInterceptor) => new ActivityInbound(nextInterceptor);

    static Dictionary<string, Payload> WithContext(IDictionary<string, Payload>? headers, ActivityContext context)
    {
        var result = headers is null ? [] : new Dictionary<string, Payload>(headers);
        if (context == default) return result;
        var carrier = new Dictionary<string, string>
        {
            ["traceparent"] = $"00-{context.TraceId.ToHexString()}-{context.SpanId.ToHexString()}-{(context.TraceFlags.HasFlag(ActivityTraceFlags.Recorded) ? "01" : "00")}",
        };
        if (context.TraceState is { Length: > 0 } state) carrier["tracestate"] = state;
        result[HeaderKey] = DataConverter.Default.PayloadConverter.ToPayload(carrier);
        return result;
    }

    /// <summary>The trace context a workflow or activity was started under (its header), or default when there is none.</summary>
    public static ActivityContext TraceContext(IReadOnlyDictionary<string, Payload>? headers)
    {
        if (headers is null || !headers.TryGetValue(HeaderKey, out var payload)) return default;
        var carrier = DataConverter.Default.PayloadConverter.ToValue<Dictionary<string, string>>(payload);
        return carrier.TryGetValue("traceparent", out var parent)
            && ActivityContext.TryParse(parent, carrier.GetValueOrDefault("tracestate"), isRemote: true, out var context) ? context : default;
    }

    static void RecordFailure(Activity? span, Exception e)
    {
        span?.SetStatus(ActivityStatusCode.Error, e.Message);
        span?.AddException(e);
    }

    sealed class ClientOutbound(ClientOutboundInterceptor next) : ClientOutboundInterceptor(next)
    {
        public override async Task<WorkflowHandle<TWorkflow, TResult>> StartWorkflowAsync<TWorkflow, TResult>(StartWorkflowInput input)
        {
            using var span = ClientSource.StartActivity($"StartWorkflow:{input.Workflow}", ActivityKind.Client);
            span?.SetTag("temporal.workflow.id", input.Options.Id);
            try
            {
                return await base.StartWorkflowAsync<TWorkflow, TResult>(input with { Headers = WithContext(input.Headers, span?.Context ?? default) });
            }
            catch (Exception e)
            {
                RecordFailure(span, e);
                throw;
            }
        }

        public override async Task SignalWorkflowAsync(SignalWorkflowInput input)
        {
            using var span = ClientSource.StartActivity($"SignalWorkflow:{input.Signal}", ActivityKind.Client);
            span?.SetTag("temporal.workflow.id", input.Id);
            try
            {
                await base.SignalWorkflowAsync(input with { Headers = WithContext(input.Headers, span?.Context ?? default) });
            }
            catch (Exception e)
            {
                RecordFailure(span, e);
                throw;
            }
        }
    }

    /// <summary>One per workflow instance: holds the trace context its outbound calls continue.</summary>
    sealed class WorkflowInbound(WorkflowInboundInterceptor next) : WorkflowInboundInterceptor(next)
    {
        ActivityContext _context;

        public override void Init(WorkflowOutboundInterceptor outbound) => base.Init(new WorkflowOutbound(outbound, this));

        public override async Task<object?> ExecuteWorkflowAsync(ExecuteWorkflowInput input)
        {
            _context = TraceContext(Workflow.Info.Headers);
            var run = InstantSpan($"RunWorkflow:{Workflow.Info.WorkflowType}", ActivityKind.Server);
            if (run is not null) _context = run.Context;
            try
            {
                return await base.ExecuteWorkflowAsync(input);
            }
            catch (Exception e) when (e is not ContinueAsNewException)
            {
                InstantSpan($"FailWorkflow:{Workflow.Info.WorkflowType}", ActivityKind.Internal, span => RecordFailure(span, e));
                throw;
            }
        }

        /// <summary>A span started and stopped at once, under the workflow's context; none while replaying.</summary>
        public Activity? InstantSpan(string name, ActivityKind kind, Action<Activity>? describe = null)
        {
            if (Workflow.Unsafe.IsReplaying) return null;
            var span = WorkflowSource.StartActivity(name, kind, _context);
            if (span is null) return null;
            span.SetTag("temporal.workflow.id", Workflow.Info.WorkflowId);
            span.SetTag("temporal.run.id", Workflow.Info.RunId);
            describe?.Invoke(span);
            span.Stop();
            return span;
        }

        public ActivityContext Context => _context;
    }

    sealed class WorkflowOutbound(WorkflowOutboundInterceptor next, WorkflowInbound workflow) : WorkflowOutboundInterceptor(next)
    {
        public override Task<TResult> ScheduleActivityAsync<TResult>(ScheduleActivityInput input)
        {
            var span = workflow.InstantSpan($"StartActivity:{input.Activity}", ActivityKind.Client);
            return base.ScheduleActivityAsync<TResult>(input with { Headers = WithContext(input.Headers, span?.Context ?? workflow.Context) });
        }

        public override Task<ChildWorkflowHandle<TWorkflow, TResult>> StartChildWorkflowAsync<TWorkflow, TResult>(StartChildWorkflowInput input)
        {
            var span = workflow.InstantSpan($"StartChildWorkflow:{input.Workflow}", ActivityKind.Client);
            return base.StartChildWorkflowAsync<TWorkflow, TResult>(input with { Headers = WithContext(input.Headers, span?.Context ?? workflow.Context) });
        }
    }

    sealed class ActivityInbound(ActivityInboundInterceptor next) : ActivityInboundInterceptor(next)
    {
        public override async Task<object?> ExecuteActivityAsync(ExecuteActivityInput input)
        {
            var info = ActivityExecutionContext.Current.Info;
            using var span = ActivitySource.StartActivity($"RunActivity:{input.Activity.Name}", ActivityKind.Server, TraceContext(input.Headers));
            span?.SetTag("temporal.workflow.id", info.WorkflowId);
            span?.SetTag("temporal.run.id", info.WorkflowRunId);
            span?.SetTag("temporal.activity.id", info.ActivityId);
            span?.SetTag("temporal.activity.attempt", info.Attempt);
            try
            {
                return await base.ExecuteActivityAsync(input);
            }
            catch (Exception e)
            {
                RecordFailure(span, e);
                throw;
            }
        }
    }
}
