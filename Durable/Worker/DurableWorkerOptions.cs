using System.Text.Json;

namespace Durable;

/// <summary>Settings of one worker: the task queue it polls and how much it runs at once.</summary>
public sealed class DurableWorkerOptions
{
    public string TaskQueue { get; set; } = "default";
    public int MaxConcurrentWorkflowTasks { get; set; } = 8;
    public int MaxConcurrentActivities { get; set; } = 16;
    /// <summary>How long a claimed task stays ours without renewal; a dead worker's work is taken over after this.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>Fallback polling when no notification arrives (notifications are the normal wake-up).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
    public string WorkerId { get; set; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..6]}";
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
    public JsonSerializerOptions? SerializerOptions { get; set; }
    /// <summary>Fire timers and schedules from this worker (any number of workers may; they coordinate through row locks).</summary>
    public bool RunTimersAndSchedules { get; set; } = true;
    public bool ApplyMigrations { get; set; } = true;
    /// <summary>
    /// Live workflow instances kept between tasks so the next task only delivers new events instead of replaying the
    /// whole history (Temporal's sticky cache). Bounded, so parked runs do not grow memory; 0 disables it.
    /// </summary>
    public int MaxCachedWorkflows { get; set; } = 256;

    internal Dictionary<string, WorkflowDefinition> Workflows { get; } = [];
    internal Dictionary<string, ActivityDefinition> Activities { get; } = [];
    /// <summary>
    /// Test hook: called at "BeforeCommit" and "AfterCommit" of an activity completion, and at "EagerDispatch" when an
    /// activity that a committed workflow task leased to this worker is about to start.
    /// </summary>
    internal Func<string, ActivityInfo, Task>? CompletionHook { get; set; }

    public void AddWorkflow(Type workflowType)
    {
        var definition = WorkflowDefinition.For(workflowType);
        if (Workflows.TryGetValue(definition.Name, out var existing) && existing.Type != workflowType)
            throw new WorkflowDefinitionException($"Workflow name {definition.Name} is used by both {existing.Type.FullName} and {workflowType.FullName}");
        Workflows[definition.Name] = definition;
    }

    public void AddActivities(Type activityClass)
    {
        foreach (var activity in ActivityDefinition.ForClass(activityClass))
        {
            if (Activities.TryGetValue(activity.Name, out var existing) && existing.Method != activity.Method)
                throw new WorkflowDefinitionException(
                    $"Activity name {activity.Name} is used by both {existing.ActivityClass.FullName}.{existing.Method.Name} and {activityClass.FullName}.{activity.Method.Name}; name one with [Activity(\"...\")]");
            Activities[activity.Name] = activity;
        }
    }
}
