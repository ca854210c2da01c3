using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Temporalio.Api.Common.V1;
using Temporalio.Api.ErrorDetails.V1;
using Temporalio.Api.Failure.V1;

namespace TemporalServer.Api;

/// <summary>
/// gRPC errors as Temporal sends them: the SDK turns a status into a typed exception only when
/// <c>grpc-status-details-bin</c> carries the matching failure message (e.g. WorkflowExecutionAlreadyStartedFailure).
/// </summary>
static class ApiErrors
{
    const string DetailsKey = "grpc-status-details-bin";

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

    /// <summary>
    /// A multi-operation (update-with-start) that could not be executed: Temporal's MultiOperationExecutionFailure
    /// with one status per operation, the failed ones as they would fail alone and the others Aborted; the call's
    /// code is the first failed operation's. Null stands for an operation that was aborted.
    /// </summary>
    public static RpcException MultiOperation(params RpcException?[] operations)
    {
        var failure = new MultiOperationExecutionFailure();
        foreach (var operation in operations)
        {
            var status = new MultiOperationExecutionFailure.Types.OperationStatus
            {
                Code = (int)(operation?.StatusCode ?? StatusCode.Aborted),
                Message = operation?.Status.Detail ?? "Operation was aborted.",
            };
            if (operation is null) status.Details.Add(Any.Pack(new MultiOperationExecutionAborted()));
            else if (operation.Trailers.GetValueBytes(DetailsKey) is { } details) status.Details.AddRange(GrpcStatus.Parser.ParseFrom(details).Details);
            failure.Statuses.Add(status);
        }
        var first = operations.First(o => o is not null)!;
        return WithDetails(first.StatusCode, "Update-with-Start could not be executed.", failure);
    }

    static RpcException WithDetails(StatusCode code, string message, IMessage details)
    {
        var status = new GrpcStatus { Code = (int)code, Message = message };
        status.Details.Add(Any.Pack(details));
        return new RpcException(new Status(code, message), new Metadata { { DetailsKey, status.ToByteArray() } });
    }
}
