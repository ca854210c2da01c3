using Temporalio.Client;
using TestSupport;

namespace Workflows.Tests;

/// <summary>The built TemporalServer on a throw-away PostgreSQL for the collection, and a client connected to it.</summary>
public sealed class TemporalEnvironment : IAsyncLifetime
{
    readonly PostgresFixture _postgres = new();
    TemporalServerFixture? _server;

    public ITemporalClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await _postgres.InitializeAsync();
        _server = await TemporalServerFixture.StartAsync(await _postgres.CreateDatabaseAsync("temporal"));
        Client = await TemporalClient.ConnectAsync(new(_server.Target));
    }

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        await _postgres.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class TemporalCollection : ICollectionFixture<TemporalEnvironment>
{
    public const string Name = "temporal";
}
