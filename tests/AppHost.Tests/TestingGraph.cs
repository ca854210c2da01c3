using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace AppHost.Tests;

/// <summary>
/// The real AppHost under Aspire.Hosting.Testing (every resource, the real servers, the real services) with a private
/// data directory; a test may change resources (e.g. a service's environment) before the graph starts.
/// </summary>
public sealed class TestingGraph : IAsyncDisposable
{
    readonly string _data;

    TestingGraph(string data, DistributedApplication app)
    {
        _data = data;
        App = app;
    }

    public DistributedApplication App { get; }

    public static async Task<TestingGraph> StartAsync(Action<IDistributedApplicationTestingBuilder>? configure = null)
    {
        var data = PipelineRuns.NewDataDirectory();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(PipelineRuns.AppHostArguments(data), timeout.Token);
        configure?.Invoke(builder);
        var app = await builder.BuildAsync(timeout.Token);
        var graph = new TestingGraph(data, app);
        try
        {
            await app.StartAsync(timeout.Token);
            return graph;
        }
        catch
        {
            await graph.DisposeAsync();
            throw;
        }
    }

    public IResource Resource(string name) => App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == name);

    /// <summary>The console lines of a resource so far, as the dashboard's console view has them.</summary>
    public async Task<List<string>> ConsoleAsync(string name, CancellationToken ct)
    {
        var lines = new List<string>();
        await foreach (var batch in App.Services.GetRequiredService<ResourceLoggerService>().GetAllAsync(Resource(name)).WithCancellation(ct))
            lines.AddRange(batch.Select(l => l.Content));
        return lines;
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }
}
