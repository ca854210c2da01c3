using System.Net.Sockets;

namespace AppHost.Resources;

/// <summary>
/// The Temporal frontend the workers and Web reach as <c>ConnectionStrings:temporal</c> (host:port of its gRPC API):
/// our TemporalServer on the pipeline's PostgreSQL, or Temporal Cloud / a Temporal cluster when configured.
/// </summary>
public sealed class TemporalFrontend
{
    public required IResourceBuilder<IResource> Resource { get; init; }
    public required ReferenceExpression Target { get; init; }

    /// <summary>The Temporal Web UI of the local server; a cloud namespace's UI link is configured in Web instead.</summary>
    public EndpointReference? Ui { get; init; }
}

public static class LocalTemporalExtensions
{
    const string GrpcEndpoint = "grpc";

    /// <summary>
    /// Adds Temporal: locally the TemporalServer project (gRPC on <paramref name="grpcPort"/>, the Web UI and HTTP API on
    /// <paramref name="uiPort"/>) keeping its state in <paramref name="postgres"/>; external when
    /// <c>ConnectionStrings:&lt;name&gt;</c> is configured (namespace, TLS and API key are the services' <c>Temporal:*</c> settings).
    /// </summary>
    public static TemporalFrontend AddLocalTemporal(this IDistributedApplicationBuilder builder, string name,
        IResourceBuilder<IResourceWithConnectionString> postgres, int grpcPort = 7233, int uiPort = 8233)
    {
        if (builder.AddExternalIfConfigured(name, FrontendAcceptsAsync) is { } external)
            return new TemporalFrontend { Resource = external, Target = external.Resource.ConnectionStringExpression };

        var server = builder.AddService<Projects.TemporalServer>(name, port: uiPort)
            .WithEndpoint(GrpcEndpoint, endpoint =>
            {
                endpoint.Port = grpcPort;
                endpoint.UriScheme = "http";
                endpoint.Transport = "http2";
            });
        var grpc = server.GetEndpoint(GrpcEndpoint);
        // The server binds the endpoints' target ports; DCP's proxies hold the public ones (7233, 8233).
        server.WithEnvironment("Temporal__GrpcPort", grpc.Property(EndpointProperty.TargetPort))
            .WithEnvironment("Temporal__HttpPort", server.GetEndpoint("http").Property(EndpointProperty.TargetPort))
            .WithReference(postgres)
            .WaitFor(postgres);
        return new TemporalFrontend
        {
            Resource = server,
            Target = ReferenceExpression.Create($"{grpc.Property(EndpointProperty.Host)}:{grpc.Property(EndpointProperty.Port)}"),
            Ui = server.GetEndpoint("http"),
        };
    }

    /// <summary>The service gets <c>ConnectionStrings__temporal</c> (and the local UI's address) and starts once Temporal is healthy.</summary>
    public static IResourceBuilder<ProjectResource> WithReference(this IResourceBuilder<ProjectResource> service, TemporalFrontend temporal)
    {
        service.WithEnvironment("ConnectionStrings__temporal", temporal.Target);
        if (temporal.Ui is { } ui) service.WithEnvironment("Temporal__UiUrl", ui);
        return service.WaitFor(temporal.Resource);
    }

    static async Task FrontendAcceptsAsync(string target, CancellationToken ct)
    {
        var separator = target.LastIndexOf(':');
        if (separator <= 0 || !int.TryParse(target.AsSpan(separator + 1), out var port))
            throw new FormatException($"'{target}' is not host:port");
        using var client = new TcpClient();
        await client.ConnectAsync(target[..separator], port, ct);
    }
}
