using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Temporalio.Api.Common.V1;
using Temporalio.Api.ErrorDetails.V1;

namespace TemporalServer.Api;

/// <summary>
/// gRPC errors as Temporal sends them: the SDK turns a status into a typed exception only when
/// <c>grpc-status-details-bin</c> carries the matching failure message (e.g. WorkflowExecutionAlreadyStartedFailure).
/// </summary>
static class ApiErrors
{
    public static RpcException InvalidArgument(string message) => new(new Status(StatusCode.InvalidArgument, message));

    public static RpcException WorkflowNotFound(WorkflowExecution execution) =>
        WithDetails(StatusCode.NotFound, $"workflow execution not found: WorkflowId {execution.WorkflowId}, RunId {execution.RunId}", new NotFoundFailure());

    public static RpcException NamespaceNotFound(string ns) =>
        WithDetails(StatusCode.NotFound, $"Namespace {ns} is not found.", new NamespaceNotFoundFailure { Namespace = ns });

    public static RpcException WorkflowClosed() =>
        WithDetails(StatusCode.NotFound, "workflow execution already completed", new NotFoundFailure());

    public static RpcException NotFound(string message) => WithDetails(StatusCode.NotFound, message, new NotFoundFailure());

    public static RpcException TaskNotFound(string what) => WithDetails(StatusCode.NotFound, $"{what} not found", new NotFoundFailure());

    public static RpcException AlreadyStarted(string workflowId, string runId, string requestId) =>
        WithDetails(StatusCode.AlreadyExists, $"Workflow execution is already running. WorkflowId: {workflowId}, RunId: {runId}.",
            new WorkflowExecutionAlreadyStartedFailure { RunId = runId, StartRequestId = requestId });

    public static RpcException QueryFailed(string message) => WithDetails(StatusCode.InvalidArgument, message, new QueryFailedFailure());

    static RpcException WithDetails(StatusCode code, string message, IMessage details)
    {
        var status = new GrpcStatus { Code = (int)code, Message = message };
        status.Details.Add(Any.Pack(details));
        return new RpcException(new Status(code, message), new Metadata { { "grpc-status-details-bin", status.ToByteArray() } });
    }
}
