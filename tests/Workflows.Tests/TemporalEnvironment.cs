using Temporalio.Client;

namespace Workflows.Tests;

/// <summary>A Temporal server for the collection and a client connected to it.</summary>
public sealed class TemporalEnvironment : IAsyncLifetime
{
    public ITemporalClient Client { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Client = await TemporalClient.ConnectAsync(new(Environment.GetEnvironmentVariable("TEMPORAL_TEST_TARGET") ?? "127.0.0.1:17233"));

    public Task DisposeAsync() => Task.CompletedTask;
}

[CollectionDefinition(Name)]
public sealed class TemporalCollection : ICollectionFixture<TemporalEnvironment>
{
    public const string Name = "temporal";
}
