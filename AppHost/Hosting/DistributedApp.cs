using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace AppHost.Hosting;

/// <summary>Entry point shaped like Aspire's <c>DistributedApplication.CreateBuilder(args)</c>.</summary>
public static class DistributedApp
{
    public static DistributedAppBuilder CreateBuilder(string[] args) => new(args);
}

/// <summary>Declares the resources; <see cref="Build"/> validates the graph and applies external connection strings.</summary>
public sealed class DistributedAppBuilder
{
    readonly List<Resource> _resources = [];

    public DistributedAppBuilder(string[] args)
    {
        var projectDirectory = typeof(DistributedAppBuilder).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "AppHostProjectDirectory")?.Value ?? AppContext.BaseDirectory;
        Configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine(args)
            .Build();
        ProjectDirectory = projectDirectory;
    }

    public IConfiguration Configuration { get; }
    public string ProjectDirectory { get; }

    public ResourceBuilder<PostgresResource> AddPostgres(string name, string database = "pipeline") => Add(new PostgresResource(name, database));
    public ResourceBuilder<KafkaResource> AddKafka(string name) => Add(new KafkaResource(name));
    public ResourceBuilder<S3Resource> AddS3(string name) => Add(new S3Resource(name));
    public ResourceBuilder<ProjectResource> AddProject(string name, string projectPath) => Add(new ProjectResource(name, projectPath));

    /// <summary>The local OTLP receiver: every project waits for it and exports its traces and logs to it.</summary>
    public ResourceBuilder<OtlpReceiverResource> AddOtlpReceiver(string name) => Add(new OtlpReceiverResource(name));

    ResourceBuilder<T> Add<T>(T resource) where T : Resource
    {
        _resources.Add(resource);
        return new ResourceBuilder<T>(resource);
    }

    public DistributedApplication Build()
    {
        foreach (var infrastructure in _resources.OfType<InfrastructureResource>())
            infrastructure.ExternalConnectionString = Configuration.GetConnectionString(infrastructure.Name);
        foreach (var receiver in _resources.OfType<OtlpReceiverResource>())
        {
            if (Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] is { Length: > 0 } external) receiver.ExternalEndpoint = external;
            foreach (var project in _resources.OfType<ProjectResource>()) project.WaitsFor.Add(receiver);
        }

        var order = ResourceGraph.StartOrder(_resources);
        var configured = Configuration["DataDirectory"];
        var dataDirectory = string.IsNullOrEmpty(configured) ? Path.GetFullPath(Path.Combine(ProjectDirectory, "..", ".data")) : Path.GetFullPath(configured);
        return new DistributedApplication(order, new LaunchContext(Configuration, dataDirectory, ProjectDirectory, new ConsoleOutput()));
    }
}
