using System.Diagnostics;
using Durable.Storage;
using Durable.TestWorker;
using Microsoft.Extensions.Hosting;
using Npgsql;
using TestSupport;

namespace Durable.Tests;

[CollectionDefinition("durable")]
public sealed class DurableCollection : ICollectionFixture<PostgresFixture>;

[CollectionDefinition("durable-processes")]
public sealed class DurableProcessCollection : ICollectionFixture<PostgresFixture>;

/// <summary>A fresh database with the durable schema, a client, and workers started in-process or as separate processes.</summary>
public sealed class DurableEnvironment : IAsyncDisposable
{
    readonly List<IHost> _hosts = [];
    readonly List<Process> _processes = [];

    DurableEnvironment(string connectionString)
    {
        ConnectionString = connectionString;
        DataSource = NpgsqlDataSource.Create(connectionString);
        Client = new DurableClient(DataSource);
    }

    public string ConnectionString { get; }
    public NpgsqlDataSource DataSource { get; }
    public DurableClient Client { get; }

    public static async Task<DurableEnvironment> CreateAsync(PostgresFixture postgres)
    {
        var environment = new DurableEnvironment(await postgres.CreateDatabaseAsync("durable"));
        await DurableSchema.ApplyAsync(environment.DataSource);
        await Effects.EnsureAsync(environment.DataSource);
        return environment;
    }

    public async Task<IHost> StartWorkerAsync(string queue = "q", TimeSpan? lease = null, Action<DurableWorkerOptions>? configure = null, bool versionTwo = false)
    {
        var host = TestHost.Build(ConnectionString, queue, lease ?? TimeSpan.FromSeconds(10), configure, versionTwo);
        await host.StartAsync();
        _hosts.Add(host);
        return host;
    }

    public static async Task StopAsync(IHost host)
    {
        await host.StopAsync();
        host.Dispose();
    }

    public async Task<Process> StartWorkerProcessAsync(string queue, int leaseMs, string? killPoint = null)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Durable.TestWorker.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { dll, ConnectionString, queue, leaseMs.ToString() }) psi.ArgumentList.Add(a);
        if (killPoint is not null) psi.ArgumentList.Add(killPoint);
        var process = Process.Start(psi)!;
        _processes.Add(process);
        _ = process.StandardError.ReadToEndAsync();
        var ready = process.StandardOutput.ReadLineAsync();
        if (await Task.WhenAny(ready, Task.Delay(TimeSpan.FromSeconds(30))) != ready || await ready != "ready")
            throw new InvalidOperationException("worker process did not start");
        _ = process.StandardOutput.ReadToEndAsync();
        return process;
    }

    public async Task<long> CountEffectsAsync(string kind, string keyPattern)
    {
        await using var command = DataSource.CreateCommand("SELECT count(*) FROM public.test_effects WHERE kind = $1 AND key LIKE $2");
        command.Parameters.Add(new() { Value = kind });
        command.Parameters.Add(new() { Value = keyPattern });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public async Task<List<DateTimeOffset>> EffectTimesAsync(string kind, string key)
    {
        await using var command = DataSource.CreateCommand("SELECT at FROM public.test_effects WHERE kind = $1 AND key = $2 ORDER BY at");
        command.Parameters.Add(new() { Value = kind });
        command.Parameters.Add(new() { Value = key });
        var times = new List<DateTimeOffset>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) times.Add(reader.GetFieldValue<DateTimeOffset>(0));
        return times;
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(25);
        }
    }

    public static async Task<T> WithTimeout<T>(Task<T> task, int seconds = 30)
    {
        if (await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(seconds))) != task) throw new TimeoutException("workflow did not finish in time");
        return await task;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var p in _processes)
        {
            try { if (!p.HasExited) p.Kill(); } catch (InvalidOperationException) { }
            p.Dispose();
        }
        foreach (var h in _hosts)
        {
            try { await h.StopAsync(TimeSpan.FromSeconds(5)); } catch (ObjectDisposedException) { }
            h.Dispose();
        }
        await DataSource.DisposeAsync();
    }
}
