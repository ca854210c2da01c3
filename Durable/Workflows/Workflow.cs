using System.Linq.Expressions;
using Microsoft.Extensions.Logging;

namespace Durable;

/// <summary>
/// The ambient API for workflow code. Everything here is deterministic: on replay it returns what the first execution saw.
/// Use it instead of DateTime.UtcNow, Guid.NewGuid, Random.Shared, Task.Delay and direct I/O.
/// </summary>
public static class Workflow
{
    static WorkflowInstance Instance => WorkflowInstance.Current;

    public static bool InWorkflow => WorkflowInstance.HasCurrent;
    public static WorkflowInfo Info => Instance.Info;
    /// <summary>Time of the workflow task being executed, recorded in history.</summary>
    public static DateTime UtcNow => Instance.Now.UtcDateTime;
    /// <summary>Seeded by the run ID, so replay draws the same numbers.</summary>
    public static Random Random => Instance.Random;
    public static ILogger Logger => Instance.Logger;
    public static bool IsReplaying => Instance.IsReplaying;
    /// <summary>Cancelled when the run is asked to cancel; the default token of activities, timers and children.</summary>
    public static CancellationToken CancellationToken => Instance.CancellationToken;

    public static Guid NewGuid()
    {
        Span<byte> bytes = stackalloc byte[16];
        Instance.Random.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40); // version 4 layout
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }

    public static async Task<TResult> ExecuteActivityAsync<TActivity, TResult>(Expression<Func<TActivity, Task<TResult>>> activity, ActivityOptions options)
    {
        var (definition, args) = ResolveActivity(activity);
        var outcome = await Instance.ScheduleActivity(definition, args, options);
        return (TResult)ActivityOutcome(definition, outcome, typeof(TResult))!;
    }

    public static async Task ExecuteActivityAsync<TActivity>(Expression<Func<TActivity, Task>> activity, ActivityOptions options)
    {
        var (definition, args) = ResolveActivity(activity);
        ActivityOutcome(definition, await Instance.ScheduleActivity(definition, args, options), null);
    }

    static (ActivityDefinition, object?[]) ResolveActivity(LambdaExpression lambda)
    {
        var instance = Instance;
        var call = MethodCall.From(lambda, $"Workflow class {instance.Definition.Type.FullName}: activity");
        return (ActivityDefinition.For(call.Method), call.Args);
    }

    static object? ActivityOutcome(ActivityDefinition definition, EventAttributes outcome, Type? resultType)
    {
        if (outcome.Reason == EventTypes.ActivityFailed) throw new ActivityFailureException(definition.Name, outcome.Failure!);
        return resultType is null || outcome.Payload is not { } payload ? default : Instance.Serializer.FromElement(payload, resultType);
    }

    public static async Task<TResult> ExecuteChildWorkflowAsync<TWorkflow, TResult>(Expression<Func<TWorkflow, Task<TResult>>> run, ChildWorkflowOptions? options = null)
    {
        var (definition, args) = ResolveChild(run);
        return (TResult)ChildOutcome(await Instance.StartChild(definition, args, options ?? new()), typeof(TResult))!;
    }

    public static async Task ExecuteChildWorkflowAsync<TWorkflow>(Expression<Func<TWorkflow, Task>> run, ChildWorkflowOptions? options = null)
    {
        var (definition, args) = ResolveChild(run);
        ChildOutcome(await Instance.StartChild(definition, args, options ?? new()), null);
    }

    static (WorkflowDefinition, object?[]) ResolveChild(LambdaExpression lambda)
    {
        var call = MethodCall.From(lambda, $"Workflow class {Instance.Definition.Type.FullName}: child workflow");
        var definition = WorkflowDefinition.For(call.Method.DeclaringType!);
        if (call.Method != definition.Run)
            throw new WorkflowDefinitionException($"Workflow class {Instance.Definition.Type.FullName}: child lambda must call {definition.Type.Name}.{definition.Run.Name}, the [WorkflowRun] method");
        return (definition, call.Args);
    }

    static object? ChildOutcome(EventAttributes outcome, Type? resultType)
    {
        if (outcome.Reason == EventTypes.ChildWorkflowFailed) throw new ChildWorkflowFailureException(outcome.WorkflowId ?? "?", outcome.Failure!);
        return resultType is null || outcome.Payload is not { } payload ? default : Instance.Serializer.FromElement(payload, resultType);
    }

    /// <summary>A durable timer: survives restarts and holds no thread while waiting.</summary>
    public static Task DelayAsync(TimeSpan duration, CancellationToken cancellationToken = default) =>
        Instance.DelayAsync(duration, cancellationToken.CanBeCanceled ? cancellationToken : CancellationToken);

    /// <summary>Completes when <paramref name="condition"/> becomes true; re-checked after every change of state.</summary>
    public static Task WaitConditionAsync(Func<bool> condition, CancellationToken cancellationToken = default) =>
        Instance.WaitConditionAsync(condition, null, cancellationToken);

    /// <summary>True if the condition was met, false if <paramref name="timeout"/> passed first.</summary>
    public static Task<bool> WaitConditionAsync(Func<bool> condition, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        Instance.WaitConditionAsync(condition, timeout, cancellationToken);

    /// <summary>Throw the result to close this run and start a new one with the same workflow ID and these arguments.</summary>
    public static ContinueAsNewException CreateContinueAsNewException<TWorkflow>(Expression<Func<TWorkflow, Task>> run) =>
        new(MethodCall.From(run, $"Workflow class {typeof(TWorkflow).FullName}: continue-as-new").Args);

    public static ContinueAsNewException CreateContinueAsNewException(params object?[] args) => new(args);
}
