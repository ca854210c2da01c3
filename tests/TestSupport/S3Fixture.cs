using LocalServers;
using Xunit;

namespace TestSupport;

/// <summary>moto's S3 server on a free port with one bucket, <see cref="Bucket"/>.</summary>
public sealed class S3Fixture : IAsyncLifetime
{
    public const string Bucket = "test-lake";
    readonly MotoS3Server _server = new(FreePort.Next());

    public string Endpoint => _server.Endpoint;
    public string ConnectionString => _server.ConnectionString(Bucket);

    public Task InitializeAsync() => _server.StartAsync([Bucket]);

    public Task DisposeAsync() => _server.DisposeAsync().AsTask();
}
