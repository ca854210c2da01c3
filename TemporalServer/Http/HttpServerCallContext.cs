using Grpc.Core;

namespace TemporalServer.Http;

/// <summary>
/// The call context an HTTP API request hands to the gRPC implementation: the request's cancellation, its
/// headers as metadata, and a deadline like the SDK's long polls (so history waits end as they do over gRPC).
/// </summary>
sealed class HttpServerCallContext(HttpContext http, string method) : ServerCallContext
{
    static readonly TimeSpan LongPollDeadline = TimeSpan.FromSeconds(70);

    readonly DateTime _deadline = DateTime.UtcNow + LongPollDeadline;
    readonly Metadata _requestHeaders = Headers(http);
    readonly Metadata _responseTrailers = [];
    readonly Dictionary<object, object> _userState = new() { ["__HttpContext"] = http };
    Status _status;
    WriteOptions? _writeOptions;

    static Metadata Headers(HttpContext http)
    {
        var metadata = new Metadata();
        foreach (var (name, values) in http.Request.Headers)
        {
            if (name.StartsWith(':') || name.EndsWith("-bin", StringComparison.OrdinalIgnoreCase)) continue;
            foreach (var value in values) if (value is not null) metadata.Add(name.ToLowerInvariant(), value);
        }
        return metadata;
    }

    protected override string MethodCore => method;
    protected override string HostCore => http.Request.Host.Value ?? "";
    protected override string PeerCore => $"ipv4:{http.Connection.RemoteIpAddress}:{http.Connection.RemotePort}";
    protected override DateTime DeadlineCore => _deadline;
    protected override Metadata RequestHeadersCore => _requestHeaders;
    protected override CancellationToken CancellationTokenCore => http.RequestAborted;
    protected override Metadata ResponseTrailersCore => _responseTrailers;
    protected override Status StatusCore { get => _status; set => _status = value; }
    protected override WriteOptions? WriteOptionsCore { get => _writeOptions; set => _writeOptions = value; }
    protected override AuthContext AuthContextCore => new(null, []);
    protected override IDictionary<object, object> UserStateCore => _userState;

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) =>
        throw new NotSupportedException("HTTP API calls do not propagate gRPC contexts");
}
