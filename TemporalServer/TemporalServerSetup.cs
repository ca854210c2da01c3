using System.Net;
using Grpc.AspNetCore.Server.Model;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using ServiceDefaults.Postgres;
using TemporalServer.Api;
using TemporalServer.Authentication;
using TemporalServer.Executions;
using TemporalServer.Matching;
using TemporalServer.Namespaces;
using TemporalServer.Queries;
using TemporalServer.Storage;
using TemporalServer.Timers;
using TemporalServer.Schedules;
using TemporalServer.Visibility;
using TemporalServer.Workflows;

namespace TemporalServer;

/// <summary>
/// The server's wiring: PostgreSQL (<c>ConnectionStrings:postgres</c> or <c>temporal-db</c>), the gRPC port
/// (<c>Temporal:GrpcPort</c>, default 7233, h2c), the HTTP ports for health, the /api/v1 API and the Web UI
/// (ASPNETCORE_URLS and <c>Temporal:HttpPort</c>, default 8233), the optional API key and one line per feature.
/// </summary>
public static class TemporalServerSetup
{
    public static WebApplicationBuilder AddTemporalServer(this WebApplicationBuilder builder)
    {
        var connectionName = builder.Configuration.GetConnectionString("temporal-db") is not null ? "temporal-db" : "postgres";
        builder.AddPostgres(connectionName);
        var grpcPort = builder.Configuration.GetValue("Temporal:GrpcPort", 7233);
        var address = IPAddress.Parse(builder.Configuration["Temporal:Address"] ?? "127.0.0.1");
        builder.AddTemporalAuthentication(address);
        // Explicit listeners replace ASPNETCORE_URLS, so its ports are bound here too (the AppHost and tests set it);
        // Aspire lists the gRPC endpoint there as well, and that port gets the HTTP/2-only listener. Temporal:HttpPort
        // (the UI's and /api/v1's port, default 8233) is added when configured, or when nothing else is.
        var httpPorts = (builder.Configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(url => new Uri(url.Replace("*", "localhost").Replace("+", "localhost")).Port).Where(port => port != grpcPort).ToHashSet();
        if (builder.Configuration["Temporal:HttpPort"] is not null || httpPorts.Count == 0) httpPorts.Add(builder.Configuration.GetValue("Temporal:HttpPort", 8233));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // gRPC without TLS (h2c) needs a listener that speaks HTTP/2 only.
            kestrel.Listen(address, grpcPort, listen => listen.Protocols = HttpProtocols.Http2);
            foreach (var port in httpPorts) kestrel.Listen(address, port, listen => listen.Protocols = HttpProtocols.Http1AndHttp2);
            // The SDK multiplexes every long poll over one HTTP/2 connection (each GetResultAsync holds a 70 s stream):
            // Kestrel's default of 100 streams deadlocks it under load.
            kestrel.Limits.Http2.MaxStreamsPerConnection = 10_000;
        });
        builder.Services.AddGrpc(options => options.MaxReceiveMessageSize = 64 * 1024 * 1024);
        // The SDK's CheckHealthAsync asks for the WorkflowService by name; it is as healthy as the process's checks.
        builder.Services.AddGrpcHealthChecks(options => options.Services.Map("temporal.api.workflowservice.v1.WorkflowService", _ => true));

        builder.Services.AddHostedService<TemporalSchema>();
        builder.Services.AddSingleton<Notifications>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Notifications>());
        builder.Services.AddSingleton<ExecutionStore>();
        builder.Services.AddSingleton<Matching.TaskQueue>();
        builder.Services.AddHostedService<TimerProcessor>();

        builder.Services.AddSingleton<NamespaceRegistry>();
        builder.Services.AddSingleton<IRpcFeature>(sp => sp.GetRequiredService<NamespaceRegistry>());
        builder.Services.AddSingleton<QueryTasks>();
        builder.Services.AddSingleton<IRpcFeature>(sp => sp.GetRequiredService<QueryTasks>());
        builder.Services.AddSingleton<RunningWorkflows>();
        builder.Services.AddSingleton<WorkflowStarts>();
        builder.Services.AddSingleton<IRpcFeature>(sp => sp.GetRequiredService<WorkflowStarts>());
        builder.Services.AddSingleton<IRpcFeature, WorkflowOperations>();
        builder.Services.AddSingleton<WorkflowUpdates>();
        builder.Services.AddSingleton<IRpcFeature>(sp => sp.GetRequiredService<WorkflowUpdates>());
        builder.Services.AddSingleton<IRpcFeature, UpdateWithStart>();
        builder.Services.AddSingleton<IRpcFeature, WorkflowResets>();
        builder.Services.AddSingleton<IRpcFeature, ActivityOperations>();
        builder.Services.AddTemporalVisibility();
        builder.Services.AddTemporalSchedules();
        builder.Services.AddSingleton<IRpcFeature, WorkflowTasks>();
        builder.Services.AddSingleton<IRpcFeature, ActivityTasks>();

        builder.Services.AddSingleton<WorkflowServiceBinding>();
        builder.Services.AddSingleton<IServiceMethodProvider<WorkflowServiceBinding>, WorkflowServiceMethodProvider>();
        return builder;
    }

    public static WebApplication MapTemporalServer(this WebApplication app)
    {
        app.MapGrpcService<WorkflowServiceBinding>().RequireApiKey(app.Configuration);
        app.MapGrpcHealthChecksService();
        return app;
    }
}
