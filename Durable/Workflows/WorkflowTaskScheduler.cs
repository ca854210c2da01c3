namespace Durable;

/// <summary>
/// Runs workflow code one task at a time, in queue order, on the thread that pumps it. Because every continuation of
/// workflow code lands in this queue, the same history always produces the same interleaving.
/// </summary>
internal sealed class WorkflowTaskScheduler : TaskScheduler
{
    readonly Queue<Task> _queue = new();

    protected override void QueueTask(Task task)
    {
        lock (_queue) _queue.Enqueue(task);
    }

    // Never inline: inlining would let a completion run code in the middle of another task.
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => false;

    protected override IEnumerable<Task> GetScheduledTasks()
    {
        lock (_queue) return _queue.ToArray();
    }

    public override int MaximumConcurrencyLevel => 1;

    public bool RunOne()
    {
        Task? next;
        lock (_queue)
            if (!_queue.TryDequeue(out next)) return false;
        TryExecuteTask(next);
        return true;
    }
}
