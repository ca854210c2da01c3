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

    ResourceBuilder<T> Add<T>(T resource) where T : Resource
    {
        _resources.Add(resource);
        return new ResourceBuilder<T>(resource);
    }

    public DistributedApplication Build()
    {
        var order = ResourceGraph.StartOrder(_resources);
        foreach (var infrastructure in _resources.OfType<InfrastructureResource>())
            infrastructure.ExternalConnectionString = Configuration.GetConnectionString(infrastructure.Name);

        var configured = Configuration["DataDirectory"];
        var dataDirectory = string.IsNullOrEmpty(configured) ? Path.GetFullPath(Path.Combine(ProjectDirectory, "..", ".data")) : Path.GetFullPath(configured);
        return new DistributedApplication(order, new LaunchContext(Configuration, dataDirectory, ProjectDirectory, new ConsoleOutput()));
    }
}
