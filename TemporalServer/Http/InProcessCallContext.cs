using Grpc.Core;

namespace TemporalServer.Http;

/// <summary>
/// The call context for a gRPC implementation invoked in process (by the HTTP API or the scheduler): the
/// caller's cancellation, an HTTP request's headers as metadata, and a deadline like the SDK's long polls (so
/// history waits end as they do over gRPC).
/// </summary>
sealed class InProcessCallContext : ServerCallContext
{
    static readonly TimeSpan LongPollDeadline = TimeSpan.FromSeconds(70);

    readonly string _method;
    readonly string _host;
    readonly string _peer;
    readonly CancellationToken _cancellation;
    readonly DateTime _deadline = DateTime.UtcNow + LongPollDeadline;
    readonly Metadata _requestHeaders = [];
    readonly Metadata _responseTrailers = [];
    readonly Dictionary<object, object> _userState = [];
    Status _status;
    WriteOptions? _writeOptions;

    public InProcessCallContext(string method, CancellationToken cancellation)
    {
        _method = method;
        _host = "localhost";
        _peer = "in-process";
        _cancellation = cancellation;
    }

    public InProcessCallContext(string method, HttpContext http) : this(method, http.RequestAborted)
    {
        _host = http.Request.Host.Value ?? "";
        _peer = $"ipv4:{http.Connection.RemoteIpAddress}:{http.Connection.RemotePort}";
        _userState["__HttpContext"] = http;
        foreach (var (name, values) in http.Request.Headers)
        {
            if (name.StartsWith(':') || name.EndsWith("-bin", StringComparison.OrdinalIgnoreCase)) continue;
            foreach (var value in values) if (value is not null) _requestHeaders.Add(name.ToLowerInvariant(), value);
        }
    }

    protected override string MethodCore => _method;
    protected override string HostCore => _host;
    protected override string PeerCore => _peer;
    protected override DateTime DeadlineCore => _deadline;
    protected override Metadata RequestHeadersCore => _requestHeaders;
    protected override CancellationToken CancellationTokenCore => _cancellation;
    protected override Metadata ResponseTrailersCore => _responseTrailers;
    protected override Status StatusCore { get => _status; set => _status = value; }
    protected override WriteOptions? WriteOptionsCore { get => _writeOptions; set => _writeOptions = value; }
    protected override AuthContext AuthContextCore => new(null, []);
    protected override IDictionary<object, object> UserStateCore => _userState;

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) =>
        throw new NotSupportedException("in-process calls do not propagate gRPC contexts");
}
