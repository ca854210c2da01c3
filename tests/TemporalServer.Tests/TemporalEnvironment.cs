using Temporalio.Client;
using Temporalio.Worker;
using TestSupport;

namespace TemporalServer.Tests;

/// <summary>One PostgreSQL cluster and one TemporalServer process for the collection; each test uses its own task queue.</summary>
public sealed class TemporalEnvironment : IAsyncLifetime
{
    public PostgresFixture Postgres { get; } = new();
    public TemporalServerFixture Server { get; private set; } = null!;
    public TemporalClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Postgres.InitializeAsync();
        Server = await TemporalServerFixture.StartAsync(await Postgres.CreateDatabaseAsync("temporal"));
        Client = await ConnectAsync(Server);
    }

    public static Task<TemporalClient> ConnectAsync(TemporalServerFixture server, string? identity = null) =>
        TemporalClient.ConnectAsync(new TemporalClientConnectOptions(server.Target) { Namespace = "default", Identity = identity });

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Postgres.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class TemporalCollection : ICollectionFixture<TemporalEnvironment>
{
    public const string Name = "temporal";
}

/// <summary>A worker running in the test process until disposed.</summary>
public sealed class RunningWorker : IAsyncDisposable
{
    readonly CancellationTokenSource _stop = new();
    readonly Task _run;

    public RunningWorker(ITemporalClient client, TemporalWorkerOptions options)
    {
        var worker = new TemporalWorker(client, options);
        _run = Task.Run(async () =>
        {
            try
            {
                await worker.ExecuteAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                worker.Dispose();
            }
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _run;
        _stop.Dispose();
    }
}
