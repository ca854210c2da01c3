using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Http.Features;
using Temporalio.Api.Common.V1;
using Temporalio.Api.WorkflowService.V1;
using TemporalServer.Api;
using TemporalServer.Authentication;

namespace TemporalServer.Http;

/// <summary>
/// Temporal's HTTP API under /api/v1 (the grpc-gateway JSON mapping of WorkflowService and OperatorService),
/// plus the two routes only Temporal's ui-server has: <c>settings</c> and
/// a run's <c>history.json</c>. Each request becomes its gRPC request message and runs through the same
/// dispatch as a gRPC call, in process.
/// </summary>
/// <remarks>
/// Microsoft.AspNetCore.Grpc.JsonTranscoding cannot do this: it reads <c>google.api.http</c> through
/// Google.Api.CommonProtos' HttpRule, but Temporalio.dll stores its rules as its own embedded copy of that type
/// (reading them with the other one throws), and it binds only generated service classes.
/// </remarks>
static class HttpApi
{
    public static IEndpointRouteBuilder MapTemporalHttpApi(this IEndpointRouteBuilder app)
    {
        var configuration = app.ServiceProvider.GetRequiredService<IConfiguration>();
        // The UI reads its settings before it has a key: they say whether it needs one.
        app.MapGet("/api/v1/settings", () => Results.Json(
            UiSettings.For(configuration["Temporal:DefaultNamespace"] ?? "default", authEnabled: ApiKeyAuthentication.Key(configuration) is not null),
            new JsonSerializerOptions()));
        app.Map("/api/v1/{**path}", HandleAsync).RequireApiKey(configuration);
        return app;
    }

    static async Task HandleAsync(HttpContext http, WorkflowServiceBinding workflowService)
    {
        var segments = RawSegments(http);
        try
        {
            if (segments is ["api", "v1", "namespaces", var ns, "workflows", var workflowId, "run", var runId, "history.json"] && HttpMethods.IsGet(http.Request.Method))
            {
                await WriteRawHistoryAsync(http, workflowService, ns, workflowId, runId);
                return;
            }
            var (route, variables) = FindRoute(http.Request.Method, segments);
            var body = route.Body == "*" ? await new StreamReader(http.Request.Body, Encoding.UTF8).ReadToEndAsync(http.RequestAborted) : null;
            var request = HttpRequestBinder.Bind(route, variables, http.Request.Query.Select(q => KeyValuePair.Create(q.Key, q.Value.Select(v => v ?? "").ToArray())), body);
            var response = await workflowService.DispatchAsync(route.Method.Name, request, new InProcessCallContext($"/{route.Method.Service.FullName}/{route.Method.Name}", http));
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(ProtoJson.Formatter.Format(response), http.RequestAborted);
        }
        catch (HttpBindingException e)
        {
            await WriteErrorAsync(http, new RpcException(new Status(StatusCode.InvalidArgument, e.Message)));
        }
        catch (RpcException e)
        {
            await WriteErrorAsync(http, e);
        }
    }

    static (HttpRoute Route, Dictionary<string, string> Variables) FindRoute(string verb, string[] segments)
    {
        var pathMatched = false;
        foreach (var route in HttpRoutes.All)
        {
            if (route.Match(segments) is not { } variables) continue;
            pathMatched = true;
            if (string.Equals(route.Verb, verb, StringComparison.OrdinalIgnoreCase)) return (route, variables);
        }
        var path = "/" + string.Join('/', segments);
        throw pathMatched
            ? new RpcException(new Status(StatusCode.Unimplemented, $"method {verb} is not allowed on {path}"))
            : new RpcException(new Status(StatusCode.NotFound, $"no HTTP API route matches {verb} {path}"));
    }

    /// <summary>The path split on '/' before decoding, so a workflow id containing an encoded slash stays one segment.</summary>
    static string[] RawSegments(HttpContext http)
    {
        var raw = http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? http.Request.Path.Value ?? "";
        var end = raw.IndexOf('?');
        if (end >= 0) raw = raw[..end];
        return raw.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
    }

    /// <summary>Every page of the run's history as one bare JSON array of events, as ui-server streams it.</summary>
    static async Task WriteRawHistoryAsync(HttpContext http, WorkflowServiceBinding workflowService, string ns, string workflowId, string runId)
    {
        var request = new GetWorkflowExecutionHistoryRequest { Namespace = ns, Execution = new WorkflowExecution { WorkflowId = workflowId, RunId = runId } };
        var first = (GetWorkflowExecutionHistoryResponse)await workflowService.DispatchAsync("GetWorkflowExecutionHistory", request, new InProcessCallContext("history.json", http));
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync("[", http.RequestAborted);
        var separator = "";
        for (var page = first; ;)
        {
            foreach (var e in page.History?.Events ?? [])
            {
                await http.Response.WriteAsync(separator + ProtoJson.Formatter.Format(e), http.RequestAborted);
                separator = ",";
            }
            if (page.NextPageToken.IsEmpty) break;
            request.NextPageToken = page.NextPageToken;
            page = (GetWorkflowExecutionHistoryResponse)await workflowService.DispatchAsync("GetWorkflowExecutionHistory", request, new InProcessCallContext("history.json", http));
        }
        await http.Response.WriteAsync("]", http.RequestAborted);
    }

    /// <summary>grpc-gateway's error body <c>{code, message, details}</c> with its mapping of gRPC codes to HTTP statuses.</summary>
    static async Task WriteErrorAsync(HttpContext http, RpcException error)
    {
        if (http.Response.HasStarted) return;
        var status = new GrpcStatus { Code = (int)error.StatusCode, Message = error.Status.Detail };
        if (error.Trailers.GetValueBytes("grpc-status-details-bin") is { } details) status.Details.AddRange(GrpcStatus.Parser.ParseFrom(details).Details);
        http.Response.StatusCode = HttpStatus(error.StatusCode);
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(ProtoJson.Formatter.Format(status), http.RequestAborted);
    }

    static int HttpStatus(StatusCode code) => code switch
    {
        StatusCode.OK => 200,
        StatusCode.Cancelled => 499,
        StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.OutOfRange => 400,
        StatusCode.DeadlineExceeded => 504,
        StatusCode.NotFound => 404,
        StatusCode.AlreadyExists or StatusCode.Aborted => 409,
        StatusCode.PermissionDenied => 403,
        StatusCode.Unauthenticated => 401,
        StatusCode.ResourceExhausted => 429,
        StatusCode.Unimplemented => 501,
        StatusCode.Unavailable => 503,
        _ => 500,
    };
}
