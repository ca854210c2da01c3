using System.Security.Cryptography;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Namespace.V1;
using Temporalio.Api.WorkflowService.V1;
using TemporalServer.Api;

namespace TemporalServer.Namespaces;

/// <summary>
/// The namespaces this server serves: <c>default</c> plus <c>Temporal:Namespaces</c> from configuration. Every
/// request naming another namespace gets NOT_FOUND.
/// </summary>
sealed class NamespaceRegistry : IRpcFeature
{
    public const string ServerVersion = "1.27.0";
    readonly HashSet<string> _names;

    public NamespaceRegistry(IConfiguration configuration) =>
        _names = ["default", .. configuration.GetSection("Temporal:Namespaces").Get<string[]>() ?? []];

    public string Require(string ns)
    {
        if (string.IsNullOrEmpty(ns)) throw ApiErrors.InvalidArgument("Namespace is not set on request.");
        return _names.Contains(ns) ? ns : throw ApiErrors.NamespaceNotFound(ns);
    }

    public void Register(RpcHandlers handlers)
    {
        handlers.Add<GetSystemInfoRequest, GetSystemInfoResponse>("GetSystemInfo", (_, _) => Task.FromResult(SystemInfo()));
        handlers.Add<GetClusterInfoRequest, GetClusterInfoResponse>("GetClusterInfo", (_, _) => Task.FromResult(new GetClusterInfoResponse
        {
            ClusterName = "pipeline-temporal", ClusterId = Id("cluster").ToString(), ServerVersion = ServerVersion,
            PersistenceStore = "postgres", VisibilityStore = "postgres", HistoryShardCount = 1,
        }));
        handlers.Add<DescribeNamespaceRequest, DescribeNamespaceResponse>("DescribeNamespace", (request, _) =>
        {
            var name = string.IsNullOrEmpty(request.Namespace) ? _names.FirstOrDefault(n => Id(n).ToString() == request.Id) ?? request.Id : request.Namespace;
            return Task.FromResult(Describe(Require(name)));
        });
        handlers.Add<ListNamespacesRequest, ListNamespacesResponse>("ListNamespaces", (_, _) =>
        {
            var response = new ListNamespacesResponse();
            response.Namespaces.AddRange(_names.Order().Select(Describe));
            return Task.FromResult(response);
        });
    }

    /// <summary>Only what this server really does is advertised: the SDK changes behaviour on each flag.</summary>
    static GetSystemInfoResponse SystemInfo() => new()
    {
        ServerVersion = ServerVersion,
        Capabilities = new()
        {
            SignalAndQueryHeader = true,
            InternalErrorDifferentiation = true,
            ActivityFailureIncludeHeartbeat = true,
            EncodedFailureAttributes = true,
            UpsertMemo = true,
            SdkMetadata = true,
        },
    };

    static DescribeNamespaceResponse Describe(string name) => new()
    {
        NamespaceInfo = new NamespaceInfo { Name = name, Id = Id(name).ToString(), State = NamespaceState.Registered, Description = "served by TemporalServer on PostgreSQL" },
        Config = new NamespaceConfig { WorkflowExecutionRetentionTtl = Duration.FromTimeSpan(TimeSpan.FromDays(3)) },
    };

    /// <summary>A stable id per name, the same in every server process.</summary>
    static Guid Id(string name) => new(MD5.HashData(Encoding.UTF8.GetBytes("temporal-namespace:" + name)));
}
