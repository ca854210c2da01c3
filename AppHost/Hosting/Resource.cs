using Microsoft.Extensions.Configuration;

namespace AppHost.Hosting;

/// <summary>A node of the graph: something the AppHost starts (or, when external, only checks) and stops.</summary>
public abstract class Resource(string name)
{
    public string Name { get; } = name;
    public abstract string Kind { get; }

    /// <summary>Resources whose connection string or address this one receives.</summary>
    public List<Resource> References { get; } = [];

    /// <summary>Resources that must be healthy before this one starts.</summary>
    public List<Resource> WaitsFor { get; } = [];

    public IEnumerable<Resource> Dependencies => References.Concat(WaitsFor).Distinct();

    public abstract Task StartAsync(LaunchContext context, CancellationToken ct);
    public abstract Task StopAsync(CancellationToken ct);
    public abstract Task<bool> IsHealthyAsync(CancellationToken ct);

    /// <summary>Processes this resource runs, so a test or an operator can check that none outlives the AppHost.</summary>
    public virtual IReadOnlyList<int> ProcessIds => [];
    public virtual IReadOnlyList<int> Ports => [];
    public override string ToString() => $"{Kind} {Name}";
}

/// <summary>Infrastructure that services reach through <c>ConnectionStrings__&lt;name&gt;</c>.</summary>
public abstract class InfrastructureResource(string name) : Resource(name)
{
    /// <summary>Set when the AppHost's configuration already has <c>ConnectionStrings:&lt;name&gt;</c>: use it, start nothing.</summary>
    public string? ExternalConnectionString { get; set; }
    public bool IsExternal => ExternalConnectionString is not null;

    public string ConnectionString => ExternalConnectionString ?? LocalConnectionString
        ?? throw new InvalidOperationException($"{this} has no connection string before it has started");

    protected abstract string? LocalConnectionString { get; }

    public sealed override Task StartAsync(LaunchContext context, CancellationToken ct) =>
        IsExternal ? Task.CompletedTask : StartLocalAsync(context, ct);

    public sealed override Task StopAsync(CancellationToken ct) => IsExternal ? Task.CompletedTask : StopLocalAsync(ct);

    protected abstract Task StartLocalAsync(LaunchContext context, CancellationToken ct);
    protected abstract Task StopLocalAsync(CancellationToken ct);
}

/// <summary>Fluent configuration of one resource, as Aspire's IResourceBuilder.</summary>
public sealed class ResourceBuilder<T>(T resource) where T : Resource
{
    public T Resource { get; } = resource;
}

public static class ResourceBuilderExtensions
{
    public static ResourceBuilder<ProjectResource> WithReference<T>(this ResourceBuilder<ProjectResource> builder, ResourceBuilder<T> other) where T : Resource
    {
        builder.Resource.References.Add(other.Resource);
        return builder;
    }

    public static ResourceBuilder<ProjectResource> WaitFor<T>(this ResourceBuilder<ProjectResource> builder, ResourceBuilder<T> other) where T : Resource
    {
        builder.Resource.WaitsFor.Add(other.Resource);
        return builder;
    }

    public static ResourceBuilder<ProjectResource> WithHttpEndpoint(this ResourceBuilder<ProjectResource> builder, int port)
    {
        builder.Resource.DefaultPort = port;
        return builder;
    }

    public static ResourceBuilder<ProjectResource> WithEnvironment(this ResourceBuilder<ProjectResource> builder, string name, string value)
    {
        builder.Resource.Environment[name] = value;
        return builder;
    }

    /// <summary>Passes the AppHost's own <c>&lt;section&gt;:*</c> settings to the project (as <c>section__key</c> variables).</summary>
    public static ResourceBuilder<ProjectResource> WithConfiguration(this ResourceBuilder<ProjectResource> builder, IConfiguration configuration, string section)
    {
        foreach (var setting in configuration.GetSection(section).AsEnumerable(makePathsRelative: true).Where(s => s.Value is not null))
            builder.Resource.Environment[$"{section}__{setting.Key.Replace(":", "__")}"] = setting.Value!;
        return builder;
    }

    public static ResourceBuilder<KafkaResource> WithTopic(this ResourceBuilder<KafkaResource> builder, string topic, int partitions)
    {
        builder.Resource.Topics[topic] = partitions;
        return builder;
    }

    public static ResourceBuilder<S3Resource> WithBucket(this ResourceBuilder<S3Resource> builder, string bucket)
    {
        builder.Resource.Buckets.Add(bucket);
        return builder;
    }
}
