using System.Diagnostics;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;
using System.Reflection;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Npgsql;
using OperatorServiceReflection = Temporalio.Api.OperatorService.V1.ServiceReflection;
using WorkflowServiceReflection = Temporalio.Api.WorkflowService.V1.ServiceReflection;

namespace TemporalServer.Api;

/// <summary>
/// Every RPC of <c>temporal.api.workflowservice.v1.WorkflowService</c> and <c>temporal.api.operatorservice.v1.OperatorService</c>,
/// bound from the service descriptors inside Temporalio.dll (no generated code). Features register handlers by method
/// name (the two services share no method name); the rest answer UNIMPLEMENTED naming the method. One dispatch point:
/// spans, metrics and error mapping for every call.
/// </summary>
sealed class WorkflowServiceBinding(IEnumerable<IRpcFeature> features, ILogger<WorkflowServiceBinding> logger)
{
    public static readonly ActivitySource Source = new("Pipeline.TemporalServer");
    static readonly System.Diagnostics.Metrics.Meter Meter = new("Pipeline.TemporalServer");
    static readonly System.Diagnostics.Metrics.Histogram<double> Duration = Meter.CreateHistogram<double>("temporal.server.rpc.duration", "ms");

    readonly Dictionary<string, Func<IMessage, ServerCallContext, Task<IMessage>>> _handlers = Register(features);

    static Dictionary<string, Func<IMessage, ServerCallContext, Task<IMessage>>> Register(IEnumerable<IRpcFeature> features)
    {
        var handlers = new RpcHandlers();
        foreach (var feature in features) feature.Register(handlers);
        return handlers.ByMethod;
    }

    public async Task<IMessage> DispatchAsync(string method, IMessage request, ServerCallContext context)
    {
        if (!_handlers.TryGetValue(method, out var handler))
            throw new RpcException(new Status(StatusCode.Unimplemented, $"{method} is not implemented by this server"));
        using var span = Source.StartActivity(method, ActivityKind.Server);
        var started = Stopwatch.GetTimestamp();
        try
        {
            return await handler(request, context);
        }
        catch (RpcException e)
        {
            span?.SetTag("rpc.grpc.status_code", (int)e.StatusCode);
            throw;
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Cancelled, "the client cancelled the call"));
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            logger.LogWarning(e, "{Method} failed on the database", method);
            span?.SetStatus(ActivityStatusCode.Error, e.Message);
            throw new RpcException(new Status(StatusCode.Unavailable, $"{method}: database unavailable: {e.Message}"));
        }
        catch (Exception e)
        {
            logger.LogError(e, "{Method} failed", method);
            span?.SetStatus(ActivityStatusCode.Error, e.Message);
            throw new RpcException(new Status(StatusCode.Internal, $"{method}: {e.Message}"));
        }
        finally
        {
            Duration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, new KeyValuePair<string, object?>("rpc.method", method));
        }
    }
}

/// <summary>A feature of the server registers the RPCs it answers.</summary>
interface IRpcFeature
{
    void Register(RpcHandlers handlers);
}

sealed class RpcHandlers
{
    public Dictionary<string, Func<IMessage, ServerCallContext, Task<IMessage>>> ByMethod { get; } = [];

    public void Add<TRequest, TResponse>(string method, Func<TRequest, ServerCallContext, Task<TResponse>> handler)
        where TRequest : IMessage where TResponse : IMessage =>
        ByMethod.Add(method, async (request, context) => await handler((TRequest)request, context));
}

/// <summary>Registers each method of both descriptors with Temporalio.dll's message parsers.</summary>
sealed class WorkflowServiceMethodProvider : IServiceMethodProvider<WorkflowServiceBinding>
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<WorkflowServiceBinding> context)
    {
        var services = new[]
        {
            WorkflowServiceReflection.Descriptor.Services.Single(s => s.Name == "WorkflowService"),
            OperatorServiceReflection.Descriptor.Services.Single(s => s.Name == "OperatorService"),
        };
        var add = typeof(WorkflowServiceMethodProvider).GetMethod(nameof(AddUnary), BindingFlags.NonPublic | BindingFlags.Static)!;
        foreach (var service in services)
            foreach (var method in service.Methods)
                add.MakeGenericMethod(method.InputType.ClrType, method.OutputType.ClrType).Invoke(null, [context, service, method]);
    }

    static void AddUnary<TRequest, TResponse>(ServiceMethodProviderContext<WorkflowServiceBinding> context, ServiceDescriptor service, MethodDescriptor descriptor)
        where TRequest : class, IMessage<TRequest>, new() where TResponse : class, IMessage<TResponse>, new()
    {
        var requests = new MessageParser<TRequest>(() => new TRequest());
        var responses = new MessageParser<TResponse>(() => new TResponse());
        var method = new Method<TRequest, TResponse>(MethodType.Unary, service.FullName, descriptor.Name,
            Marshallers.Create(m => m.ToByteArray(), requests.ParseFrom),
            Marshallers.Create(m => m.ToByteArray(), responses.ParseFrom));
        var name = descriptor.Name;
        context.AddUnaryMethod(method, [], async (binding, request, call) => (TResponse)await binding.DispatchAsync(name, request, call));
    }
}
