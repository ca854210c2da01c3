using System.Buffers.Binary;
using System.Net.Sockets;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AppHost.Resources;

/// <summary>
/// A Kafka-protocol broker: the KafkaBroker process (librdkafka's mock cluster, in memory) with its topics created
/// up front, since the mock cluster cannot create topics on request with chosen partition counts.
/// </summary>
public sealed class LocalKafkaResource(string name, string workingDirectory)
    : ExecutableResource(name, "dotnet", workingDirectory), IResourceWithConnectionString
{
    internal const string EndpointName = "tcp";

    public Dictionary<string, int> Topics { get; } = [];

    public EndpointReference Endpoint => new(this, EndpointName);

    /// <summary>The bootstrap servers, as Kafka clients take them.</summary>
    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"{Endpoint.Property(EndpointProperty.Host)}:{Endpoint.Property(EndpointProperty.Port)}");
}

public static class LocalKafkaExtensions
{
    /// <summary>Adds Kafka: local by default (bootstrap port 9092), external when <c>ConnectionStrings:&lt;name&gt;</c> is configured.</summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddLocalKafka(this IDistributedApplicationBuilder builder, string name, int port = 9092)
    {
        if (builder.AddExternalIfConfigured(name, AnyBootstrapServerAcceptsAsync) is { } external) return external;

        var project = Path.GetDirectoryName(new Projects.KafkaBroker().ProjectPath)!;
        var configuration = typeof(LocalKafkaExtensions).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var broker = Path.Combine(project, "bin", configuration, "net10.0", "KafkaBroker.dll");
        var resource = new LocalKafkaResource(name, project);
        var healthCheck = $"{name}-ready";
        builder.Services.AddHealthChecks().Add(new(healthCheck, _ => new KafkaApiVersionsCheck(resource), null, null));

        return builder.AddResource(resource)
            .WithEndpoint(port: port, scheme: "tcp", name: LocalKafkaResource.EndpointName)
            .WithArgs(context =>
            {
                context.Args.AddAll(broker, "--port", resource.Endpoint.Property(EndpointProperty.TargetPort));
                foreach (var (topic, partitions) in resource.Topics) context.Args.AddAll("--topic", $"{topic}:{partitions}");
            })
            .WithHealthCheck(healthCheck);
    }

    /// <summary>
    /// A topic created when the local broker starts. The mock broker keeps at most ~5 MiB per partition and drops older
    /// data silently: give busy topics enough partitions. An external cluster manages its own topics.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> WithTopic(this IResourceBuilder<IResourceWithConnectionString> builder, string topic, int partitions)
    {
        if (builder.Resource is LocalKafkaResource local) local.Topics[topic] = partitions;
        return builder;
    }

    static async Task AnyBootstrapServerAcceptsAsync(string bootstrapServers, CancellationToken ct)
    {
        var errors = new List<string>();
        foreach (var server in bootstrapServers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (host, port) = KafkaApiVersionsCheck.Split(server);
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(host, port, ct);
                return;
            }
            catch (SocketException e)
            {
                errors.Add($"{server}: {e.Message}");
            }
        }
        throw new InvalidOperationException(string.Join("; ", errors));
    }
}

/// <summary>Healthy when the broker answers a Kafka ApiVersions request (v0) without error.</summary>
sealed class KafkaApiVersionsCheck(LocalKafkaResource resource) : IHealthCheck
{
    const short ApiVersionsKey = 18;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var bootstrap = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken) ?? "";
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            var (host, port) = Split(bootstrap);
            using var client = new TcpClient();
            await client.ConnectAsync(host, port, timeout.Token);
            var stream = client.GetStream();
            // size, api_key, api_version 0, correlation_id, client_id (int16 length + bytes); v0 has no body.
            var clientId = "apphost"u8;
            var request = new byte[4 + 2 + 2 + 4 + 2 + clientId.Length];
            BinaryPrimitives.WriteInt32BigEndian(request, request.Length - 4);
            BinaryPrimitives.WriteInt16BigEndian(request.AsSpan(4), ApiVersionsKey);
            BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(8), 42);
            BinaryPrimitives.WriteInt16BigEndian(request.AsSpan(12), (short)clientId.Length);
            clientId.CopyTo(request.AsSpan(14));
            await stream.WriteAsync(request, timeout.Token);
            // Response: size, correlation_id, error_code, ...
            var head = new byte[10];
            await stream.ReadExactlyAsync(head, timeout.Token);
            var correlation = BinaryPrimitives.ReadInt32BigEndian(head.AsSpan(4));
            var error = BinaryPrimitives.ReadInt16BigEndian(head.AsSpan(8));
            return correlation == 42 && error == 0
                ? HealthCheckResult.Healthy($"Kafka broker at {bootstrap} answers ApiVersions")
                : HealthCheckResult.Unhealthy($"Kafka broker at {bootstrap} answered ApiVersions with error {error}");
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"Kafka broker at {bootstrap}: {e.Message}");
        }
    }

    internal static (string Host, int Port) Split(string server)
    {
        var colon = server.LastIndexOf(':');
        return (server[..colon], int.Parse(server[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }
}
