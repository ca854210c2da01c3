using Durable.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Durable;

/// <summary>
/// The worker host: applies migrations, listens for notifications and runs the polling loops (workflow tasks,
/// activities, timers, queries, schedules, leases). Every loop survives storage outages by backing off and retrying.
/// </summary>
public sealed class DurableWorker : BackgroundService
{
    readonly WorkerContext _context;

    public DurableWorker(NpgsqlDataSource dataSource, DurableWorkerOptions options, DurableWorkerHealth health, IServiceProvider services, ILoggerFactory? loggerFactory = null)
    {
        _context = new WorkerContext
        {
            DataSource = dataSource,
            Options = options,
            Health = health,
            Services = services,
            Serializer = new DurableSerializer(options.SerializerOptions),
            LoggerFactory = loggerFactory ?? NullLoggerFactory.Instance,
        };
    }

    public string WorkerId => _context.WorkerId;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _context.Stopping = stoppingToken;
        await Retry("migrations", async ct => { if (_context.Options.ApplyMigrations) await DurableSchema.ApplyAsync(_context.DataSource, ct); }, stoppingToken);
        var activities = new ActivityTaskRunner(_context);
        var workflows = new WorkflowTaskRunner(_context);
        activities.Workflows = workflows;
        workflows.Activities = activities;
        var loops = new List<Task>
        {
            ListenAsync(stoppingToken),
            Loop("workflow-tasks", workflows.PollAsync, _context.WorkflowWake, stoppingToken),
            Loop("activities", activities.PollAsync, _context.ActivityWake, stoppingToken),
            Loop("queries", new QueryAnswerer(_context).PollAsync, _context.QueryWake, stoppingToken),
            Loop("leases", activities.RenewLeasesAsync, new WakeSignal(), stoppingToken),
        };
        if (_context.Options.RunTimersAndSchedules)
        {
            loops.Add(Loop("timers", new TimerFirer(_context).PollAsync, _context.TimerWake, stoppingToken));
            loops.Add(Loop("schedules", new ScheduleRunner(_context).PollAsync, _context.ScheduleWake, stoppingToken));
        }
        await Task.WhenAll(loops);
        await workflows.DrainAsync(); // first: a workflow task may still start an activity it leased eagerly
        await activities.DrainAsync();
    }

    /// <summary>Runs one loop: the iteration returns how long to idle (zero: more work is waiting); failures back off.</summary>
    async Task Loop(string name, Func<CancellationToken, Task<TimeSpan>> iteration, WakeSignal wake, CancellationToken ct)
    {
        await Task.Yield();
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var idle = await iteration(ct);
                if (failures > 0) _context.Health.Succeeded(name);
                failures = 0;
                if (idle > TimeSpan.Zero) await wake.WaitAsync(idle, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { break; }
            catch (Exception e)
            {
                failures++;
                _context.Health.Failed(name, e);
                _context.Logger.LogWarning(e, "Durable worker loop {Loop} failed ({Failures} in a row); retrying", name, failures);
                try { await Task.Delay(Backoff(failures), ct); }
                catch (OperationCanceledException) { break; }
            }
        }
    }

    static TimeSpan Backoff(int failures) => TimeSpan.FromMilliseconds(Math.Min(5000, 100 * Math.Pow(2, Math.Min(failures - 1, 10))));

    async Task Retry(string name, Func<CancellationToken, Task> action, CancellationToken ct)
    {
        for (var failures = 1; ; failures++)
        {
            try
            {
                await action(ct);
                _context.Health.Succeeded(name);
                return;
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                _context.Health.Failed(name, e);
                await Task.Delay(Backoff(failures), ct);
            }
        }
    }

    /// <summary>LISTEN on the engine's channel; notifications only shorten waits, so a lost one costs one poll interval.</summary>
    async Task ListenAsync(CancellationToken ct)
    {
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _context.DataSource.OpenConnectionAsync(ct);
                connection.Notification += (_, e) => OnNotification(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {RunTransaction.Channel}", connection)) await listen.ExecuteNonQueryAsync(ct);
                if (failures > 0) _context.Health.Succeeded("listen");
                failures = 0;
                WakeAll(); // anything notified while we were not listening
                while (!ct.IsCancellationRequested) await connection.WaitAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { break; }
            catch (Exception e)
            {
                failures++;
                _context.Health.Failed("listen", e);
                try { await Task.Delay(Backoff(failures), ct); }
                catch (OperationCanceledException) { break; }
            }
        }
    }

    void WakeAll()
    {
        _context.WorkflowWake.Set(); _context.ActivityWake.Set(); _context.TimerWake.Set(); _context.QueryWake.Set(); _context.ScheduleWake.Set();
    }

    void OnNotification(string payload)
    {
        var kind = payload.Length > 1 ? payload[..2] : payload;
        var queue = payload.Length > 2 ? payload[2..] : "";
        switch (kind)
        {
            case "w:" when queue == _context.Queue: _context.WorkflowWake.Set(); break;
            case "a:" when queue == _context.Queue: _context.ActivityWake.Set(); break;
            case "q:" when queue == _context.Queue: _context.QueryWake.Set(); break;
            case "t": _context.TimerWake.Set(); break;
            case "s": _context.ScheduleWake.Set(); break;
            case "c:": _context.ScheduleWake.Set(); break; // a closed run may release a buffered schedule action
        }
    }
}
