using Telemetry;

namespace AppHost.Hosting;

/// <summary>
/// The local telemetry backend: an OTLP/HTTP (protobuf) receiver hosted inside the AppHost (Telemetry/OtlpReceiver)
/// that stores traces, metrics and logs in the referenced PostgreSQL's <c>telemetry</c> schema, where Web reads them. Every
/// project waits for it and gets its address as <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, as Aspire does with its
/// dashboard. When the AppHost's configuration already has <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (any OTLP backend),
/// that endpoint is passed on instead and nothing is started.
/// </summary>
public sealed class OtlpReceiverResource(string name) : Resource(name)
{
    OtlpReceiver? _receiver;

    public override string Kind => "otlp";

    /// <summary>Set from the AppHost's <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>: use it, start nothing.</summary>
    public string? ExternalEndpoint { get; set; }

    /// <summary>What projects get as <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (null before start).</summary>
    public string? Endpoint => ExternalEndpoint ?? _receiver?.Endpoint.ToString().TrimEnd('/');

    public override IReadOnlyList<int> Ports => _receiver is null ? [] : [_receiver.Port];

    public override async Task StartAsync(LaunchContext context, CancellationToken ct)
    {
        if (ExternalEndpoint is not null)
        {
            context.Output.Write(Name, $"external OTLP endpoint {ExternalEndpoint}: no local receiver");
            return;
        }
        var storage = References.OfType<InfrastructureResource>().FirstOrDefault()
            ?? throw new InvalidOperationException($"{this} needs a PostgreSQL resource to store into: .WithStorage(postgres)");
        _receiver = new OtlpReceiver(storage.ConnectionString) { Retention = Telemetry.Storage.RetentionPolicy.FromConfiguration(context.Configuration) };
        await _receiver.StartAsync(context.Port(Name, 4318), ct);
        context.Output.Write(Name, $"OTLP/HTTP receiver (traces, logs, metrics) at {_receiver.Endpoint}, storing into {storage.Name} schema telemetry, {_receiver.Retention}");
    }

    public override async Task StopAsync(CancellationToken ct)
    {
        if (_receiver is null) return;
        await _receiver.DisposeAsync();
        _receiver = null;
    }

    public override Task<bool> IsHealthyAsync(CancellationToken ct) => Task.FromResult(ExternalEndpoint is not null || _receiver is not null);
}

public static class OtlpReceiverResourceExtensions
{
    /// <summary>Stores what the receiver gets in <paramref name="postgres"/>, once that is healthy.</summary>
    public static ResourceBuilder<OtlpReceiverResource> WithStorage(this ResourceBuilder<OtlpReceiverResource> builder, ResourceBuilder<PostgresResource> postgres)
    {
        builder.Resource.References.Add(postgres.Resource);
        builder.Resource.WaitsFor.Add(postgres.Resource);
        return builder;
    }
}
