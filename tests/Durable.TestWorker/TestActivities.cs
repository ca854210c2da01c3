using Npgsql;

namespace Durable.TestWorker;

/// <summary>Activities whose effects land in public.test_effects, so tests can count every execution.</summary>
public sealed class TestActivities(NpgsqlDataSource dataSource)
{
    /// <summary>Records start, holds for <paramref name="holdMs"/>, records done.</summary>
    public async Task<int> StepAsync(string key, int step, int holdMs)
    {
        var ctx = ActivityExecutionContext.Current;
        await Effects.RecordAsync(dataSource, "start", $"{key}/{step}");
        if (holdMs > 0) await Task.Delay(holdMs, ctx.CancellationToken);
        await Effects.RecordAsync(dataSource, "done", $"{key}/{step}");
        return step * 10;
    }

    public Task<int> NoopAsync(int value) => Task.FromResult(value);

    /// <summary>Fails until attempt <paramref name="succeedOnAttempt"/>; records every attempt.</summary>
    public async Task<int> FlakyAsync(string key, int succeedOnAttempt)
    {
        var attempt = ActivityExecutionContext.Current.Info.Attempt;
        await Effects.RecordAsync(dataSource, "attempt", key);
        if (attempt < succeedOnAttempt) throw new InvalidOperationException($"attempt {attempt} fails");
        return attempt;
    }

    public async Task FailHardAsync(string key)
    {
        await Effects.RecordAsync(dataSource, "attempt", key);
        throw new ApplicationFailureException("this can never work", "BadInput", nonRetryable: true);
    }

    public async Task HangAsync(string key, int ms)
    {
        await Effects.RecordAsync(dataSource, "attempt", key);
        await Task.Delay(ms, ActivityExecutionContext.Current.CancellationToken);
    }

    /// <summary>Heartbeats progress; a later attempt resumes from the last reported item.</summary>
    public async Task<int> ProgressAsync(string key, int items, int failAtItemOnFirstAttempt)
    {
        var ctx = ActivityExecutionContext.Current;
        var start = ctx.HasHeartbeatDetails ? ctx.GetHeartbeatDetail<int>() + 1 : 0;
        await Effects.RecordAsync(dataSource, "resume", $"{key}/{start}");
        for (var i = start; i < items; i++)
        {
            if (ctx.Info.Attempt == 1 && i == failAtItemOnFirstAttempt)
            {
                await Task.Delay(700); // let the lease keeper flush the heartbeat details
                throw new InvalidOperationException("interrupted");
            }
            ctx.Heartbeat(i);
            await Task.Delay(20);
        }
        return start;
    }

    /// <summary>Writes a row in the engine's transaction: it commits with the completion record or not at all.</summary>
    public async Task<int> InsertRowAsync(string key, int value)
    {
        var ctx = ActivityExecutionContext.Current;
        var tx = await ctx.GetTransactionAsync();
        await using (var insert = new NpgsqlCommand("INSERT INTO public.test_rows (key, value) VALUES ($1, $2)", tx.Connection, tx))
        {
            insert.Parameters.Add(new() { Value = key });
            insert.Parameters.Add(new() { Value = value });
            await insert.ExecuteNonQueryAsync();
        }
        await Effects.RecordAsync(dataSource, "inserted", key);
        KillPoints.Hit("AfterInsert", ctx.Info.Attempt);
        return value;
    }

    public static volatile bool FailToggle = true;

    public Task<string> ToggleAsync() => FailToggle
        ? throw new ApplicationFailureException("toggle is on", "Toggle", nonRetryable: true)
        : Task.FromResult("ok");
}

/// <summary>Lets a worker process SIGKILL itself at a named point of the first attempt (set through the command line).</summary>
public static class KillPoints
{
    public static string? Point { get; set; }

    public static void Hit(string point, int attempt)
    {
        if (point == Point && attempt == 1) System.Diagnostics.Process.GetCurrentProcess().Kill();
    }
}
