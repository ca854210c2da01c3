using Microsoft.Extensions.Logging;
using Npgsql;

namespace Durable;

/// <summary>What every loop of one worker shares.</summary>
internal sealed class WorkerContext
{
    public required NpgsqlDataSource DataSource { get; init; }
    public required DurableWorkerOptions Options { get; init; }
    public required DurableSerializer Serializer { get; init; }
    public required DurableWorkerHealth Health { get; init; }
    public required ILoggerFactory LoggerFactory { get; init; }
    public required IServiceProvider Services { get; init; }
    /// <summary>The host's stopping token (set when the worker starts).</summary>
    public CancellationToken Stopping { get; set; }
    public ILogger Logger => field ??= LoggerFactory.CreateLogger("Durable.Worker");
    public TimeProvider Time => Options.TimeProvider;
    /// <summary>Truncated to PostgreSQL's microsecond precision, so a value seen live equals the value replayed from history.</summary>
    public DateTimeOffset Now
    {
        get
        {
            var now = Options.TimeProvider.GetUtcNow();
            return now.AddTicks(-(now.Ticks % 10));
        }
    }
    public string WorkerId => Options.WorkerId;
    public string Queue => Options.TaskQueue;
    public DateTimeOffset LeaseExpiry => Now + Options.LeaseDuration;

    public readonly WakeSignal WorkflowWake = new(), ActivityWake = new(), TimerWake = new(), QueryWake = new(), ScheduleWake = new();
}

/// <summary>A level-triggered wake-up: Set before Wait is not lost, several Sets coalesce.</summary>
internal sealed class WakeSignal
{
    readonly SemaphoreSlim _semaphore = new(0, 1);

    public void Set()
    {
        try { if (_semaphore.CurrentCount == 0) _semaphore.Release(); }
        catch (SemaphoreFullException) { }
    }

    public Task WaitAsync(TimeSpan timeout, CancellationToken ct) => _semaphore.WaitAsync(timeout, ct);
}
