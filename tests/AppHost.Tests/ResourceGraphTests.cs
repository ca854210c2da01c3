using AppHost.Hosting;
using Microsoft.Extensions.Configuration;

namespace AppHost.Tests;

public sealed class ResourceGraphTests
{
    [Fact]
    public void Dependencies_start_before_their_dependants_whatever_the_declaration_order()
    {
        var web = new ProjectResource("web", "../Web/Web.csproj");
        var workers = new ProjectResource("workers", "../Workers/Workers.csproj");
        var postgres = new PostgresResource("postgres", "pipeline");
        var kafka = new KafkaResource("kafka");
        web.References.Add(workers);
        web.WaitsFor.Add(postgres);
        workers.References.AddRange([postgres, kafka]);

        var order = ResourceGraph.StartOrder([web, workers, postgres, kafka]).Select(r => r.Name).ToList();

        Assert.Equal(["postgres", "kafka", "workers", "web"], order);
    }

    [Fact]
    public void A_cycle_is_rejected_with_the_path_that_forms_it()
    {
        var a = new ProjectResource("a", "a.csproj");
        var b = new ProjectResource("b", "b.csproj");
        var c = new ProjectResource("c", "c.csproj");
        a.References.Add(b);
        b.WaitsFor.Add(c);
        c.References.Add(a);

        var error = Assert.Throws<InvalidOperationException>(() => ResourceGraph.StartOrder([a, b, c]));

        Assert.Equal("The resource graph has a cycle: a -> b -> c -> a", error.Message);
    }

    [Fact]
    public void Duplicate_names_and_undeclared_dependencies_are_rejected()
    {
        var first = new ProjectResource("web", "a.csproj");
        var second = new ProjectResource("WEB", "b.csproj");
        Assert.Contains("Two resources are named 'web'", Assert.Throws<InvalidOperationException>(() => ResourceGraph.StartOrder([first, second])).Message);

        var orphan = new PostgresResource("postgres", "pipeline");
        first.References.Add(orphan);
        Assert.Equal("project web depends on postgres postgres, which was not added to this application.",
            Assert.Throws<InvalidOperationException>(() => ResourceGraph.StartOrder([first])).Message);
    }

    [Fact]
    public void A_project_gets_connection_strings_and_service_addresses_under_aspire_names()
    {
        var context = Context(new() { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:4318", ["Resources:workers:Port"] = "7001", ["Resources:web:Port"] = "7002" });
        var postgres = new PostgresResource("postgres", "pipeline") { ExternalConnectionString = "Host=db;Database=pipeline" };
        var workers = new ProjectResource("workers", "../Workers/Workers.csproj");
        var web = new ProjectResource("web", "../Web/Web.csproj");
        web.References.AddRange([postgres, workers]);
        workers.AssignPort(context);
        web.AssignPort(context);

        var env = web.EnvironmentFor(context);

        Assert.Equal("Host=db;Database=pipeline", env["ConnectionStrings__postgres"]);
        Assert.Equal("http://127.0.0.1:7001", env["services__workers__http__0"]);
        Assert.Equal("http://127.0.0.1:7002", env["ASPNETCORE_URLS"]);
        Assert.Equal("web", env["OTEL_SERVICE_NAME"]);
        Assert.Equal("http://127.0.0.1:4318", env["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        Assert.Equal(Environment.ProcessId.ToString(), env["APPHOST_PID"]);
    }

    [Fact]
    public void A_configured_connection_string_makes_a_resource_external()
    {
        var builder = DistributedApp.CreateBuilder(["--ConnectionStrings:postgres=Host=managed.example;Database=pipeline"]);
        var postgres = builder.AddPostgres("postgres");
        var kafka = builder.AddKafka("kafka");

        builder.Build();

        Assert.True(postgres.Resource.IsExternal);
        Assert.Equal("Host=managed.example;Database=pipeline", postgres.Resource.ConnectionString);
        Assert.False(kafka.Resource.IsExternal);
    }

    [Fact]
    public void A_port_of_zero_means_any_free_port()
    {
        var context = Context(new() { ["Resources:web:Port"] = "0" });
        var web = new ProjectResource("web", "../Web/Web.csproj") { DefaultPort = 5080 };

        web.AssignPort(context);

        Assert.NotEqual(5080, web.Port);
        Assert.InRange(web.Port, 1024, 65535);
    }

    static LaunchContext Context(Dictionary<string, string?> settings) =>
        new(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), "/tmp/unused", "/tmp/unused", new ConsoleOutput());
}
