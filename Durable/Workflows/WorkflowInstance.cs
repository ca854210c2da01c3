using System.Reflection;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Durable;

/// <summary>A command issued by workflow code in one step; it becomes a history event.</summary>
internal sealed record WorkflowCommand(string Type, EventAttributes Attributes)
{
    public string Describe() => Attributes.Name is null ? Type : $"{Type}({Attributes.Name})";
}

/// <summary>
/// One workflow object being driven through its history. Events are delivered (resolving pending activities, timers,
/// children, invoking signal handlers) and then the code runs until it blocks; what it issues is collected as commands.
/// </summary>
internal sealed class WorkflowInstance
{
    [ThreadStatic] static WorkflowInstance? _current;

    public static WorkflowInstance Current => _current ?? throw new InvalidOperationException(
        "Workflow APIs can only be used inside workflow code run by a Durable worker (and not after ConfigureAwait(false) or Task.Run).");
    public static bool HasCurrent => _current is not null;

    readonly WorkflowDefinition _definition;
    readonly DurableSerializer _serializer;
    readonly WorkflowTaskScheduler _scheduler = new();
    readonly Dictionary<int, TaskCompletionSource<EventAttributes>> _pending = [];
    readonly List<(Func<bool> Condition, TaskCompletionSource<bool> Done)> _conditions = [];
    readonly List<WorkflowCommand> _commands = [];
    readonly List<Task> _signalHandlers = [];
    readonly CancellationTokenSource _cancel = new();
    object? _workflow;
    Task? _run;
    bool _closed;
    int _nextCommandIndex = 1;

    public WorkflowInstance(WorkflowDefinition definition, WorkflowInfo info, DurableSerializer serializer, ILogger logger)
    {
        _definition = definition;
        _serializer = serializer;
        Info = info;
        Random = new Random(info.RunId.GetHashCode());
        Logger = new ReplayAwareLogger(logger, this);
    }

    public WorkflowInfo Info { get; }
    public DateTimeOffset Now { get; set; }
    public bool IsReplaying { get; set; }
    public Random Random { get; }
    public ILogger Logger { get; }
    public CancellationToken CancellationToken => _cancel.Token;
    public DurableSerializer Serializer => _serializer;
    public WorkflowDefinition Definition => _definition;
    public bool Closed => _closed;

    public void Deliver(HistoryEvent e)
    {
        Enter(() =>
        {
            var a = e.Attributes;
            switch (e.Type)
            {
                case EventTypes.WorkflowStarted:
                    _workflow = Activator.CreateInstance(_definition.Type)!;
                    var args = _serializer.ArgsFromElement(a.Payload ?? default, _definition.ParameterTypes);
                    Task.Factory.StartNew(() => _run = (Task)_definition.Run.Invoke(_workflow, args)!, CancellationToken.None, TaskCreationOptions.None, _scheduler);
                    break;
                case EventTypes.SignalReceived:
                    if (_workflow is null || !_definition.Signals.TryGetValue(a.Name!, out var handler))
                    {
                        Logger.LogWarning("Workflow {Type} has no signal handler {Signal}; signal ignored", _definition.Name, a.Name);
                        break;
                    }
                    var signalArgs = _serializer.ArgsFromElement(a.Payload ?? default, handler.GetParameters().Select(p => p.ParameterType).ToArray());
                    Task.Factory.StartNew(() => _signalHandlers.Add(handler.Invoke(_workflow, signalArgs) as Task ?? Task.CompletedTask),
                        CancellationToken.None, TaskCreationOptions.None, _scheduler);
                    break;
                case EventTypes.CancelRequested:
                    _cancel.Cancel();
                    break;
                case EventTypes.ActivityCompleted or EventTypes.ActivityFailed or EventTypes.TimerFired
                    or EventTypes.ChildWorkflowCompleted or EventTypes.ChildWorkflowFailed:
                    if (a.CommandIndex is { } index && _pending.Remove(index, out var tcs)) tcs.TrySetResult(a with { Reason = e.Type });
                    break;
            }
        });
    }

    /// <summary>Runs queued workflow code and satisfied conditions until nothing can make progress.</summary>
    public void RunUntilBlocked() => Enter(() =>
    {
        while (true)
        {
            while (_scheduler.RunOne()) { }
            var progressed = false;
            foreach (var c in _conditions.ToList())
            {
                bool satisfied;
                try { satisfied = c.Condition(); }
                catch (Exception e) { _conditions.Remove(c); c.Done.TrySetException(e); progressed = true; continue; }
                if (!satisfied) continue;
                _conditions.Remove(c);
                c.Done.TrySetResult(true);
                progressed = true;
            }
            if (!progressed) break;
        }
        if (_closed) return;
        if (_signalHandlers.FirstOrDefault(t => t.IsFaulted) is { } failedSignal) Close(failedSignal.Exception!.InnerException!);
        else if (_run is { IsCompleted: true }) Close(_run.IsFaulted ? _run.Exception!.InnerException! : _run.IsCanceled ? new OperationCanceledException() : null);
    });

    void Close(Exception? error)
    {
        _closed = true;
        if (error is null)
        {
            JsonElement? payload = _definition.ResultType is null ? null
                : _serializer.ToElement(_run!.GetType().GetProperty("Result")!.GetValue(_run), _definition.ResultType);
            Emit(EventTypes.WorkflowCompleted, new EventAttributes { Payload = payload });
        }
        else if (error is ContinueAsNewException can)
            Emit(EventTypes.WorkflowContinuedAsNew, new EventAttributes { Name = _definition.Name, Payload = _serializer.ArgsToElement(can.Args, _definition.ParameterTypes) });
        else if (_cancel.IsCancellationRequested && (error is OperationCanceledException
            || (error as ActivityFailureException)?.Failure.Type == "Canceled" || (error as ChildWorkflowFailureException)?.Failure.Type == "Canceled"))
            Emit(EventTypes.WorkflowCanceled, new EventAttributes { Reason = "cancel requested" });
        else
            Emit(EventTypes.WorkflowFailed, new EventAttributes { Failure = FailureInfo.From(error) with { StackTrace = null } });
    }

    public List<WorkflowCommand> TakeCommands()
    {
        var taken = _commands.ToList();
        _commands.Clear();
        return taken;
    }

    public object? Query(string name, JsonElement args, out Type resultType)
    {
        if (!_definition.Queries.TryGetValue(name, out var member))
            throw new InvalidOperationException($"Workflow {_definition.Name} has no query {name}; known: {string.Join(", ", _definition.Queries.Keys)}");
        object? result = null;
        Type type = typeof(object);
        Enter(() =>
        {
            switch (member)
            {
                case PropertyInfo p:
                    type = p.PropertyType;
                    result = p.GetValue(_workflow);
                    break;
                case MethodInfo m:
                    type = m.ReturnType;
                    result = m.Invoke(_workflow, _serializer.ArgsFromElement(args, m.GetParameters().Select(x => x.ParameterType).ToArray()));
                    break;
            }
        });
        resultType = type;
        return result;
    }

    void Enter(Action action)
    {
        var previous = _current;
        var previousContext = SynchronizationContext.Current;
        _current = this;
        SynchronizationContext.SetSynchronizationContext(null);
        try { action(); }
        finally
        {
            _current = previous;
            SynchronizationContext.SetSynchronizationContext(previousContext);
        }
    }

    void Emit(string type, EventAttributes attributes) => _commands.Add(new(type, attributes));

    // ---- commands issued through the Workflow API ----

    public Task<EventAttributes> ScheduleActivity(ActivityDefinition activity, object?[] args, ActivityOptions options)
    {
        if (options.StartToCloseTimeout is null && options.ScheduleToCloseTimeout is null)
            throw new WorkflowDefinitionException(
                $"Workflow class {_definition.Type.FullName} calls activity {activity.ActivityClass.Name}.{activity.Method.Name} without StartToCloseTimeout or ScheduleToCloseTimeout");
        var index = _nextCommandIndex++;
        var done = Pend(index);
        Emit(EventTypes.ActivityScheduled, new EventAttributes
        {
            CommandIndex = index,
            Name = activity.Name,
            TaskQueue = options.TaskQueue ?? Info.TaskQueue,
            Payload = _serializer.ArgsToElement(args, activity.ParameterTypes),
            Options = new(options.StartToCloseTimeout, options.ScheduleToCloseTimeout, options.HeartbeatTimeout, options.RetryPolicy ?? new RetryPolicy()),
        });
        OnCancel(options.CancellationToken, index, done, EventTypes.ActivityCancelRequested, null, cancelsImmediately: true);
        return done.Task;
    }

    public Task DelayAsync(TimeSpan duration, CancellationToken ct)
    {
        if (duration <= TimeSpan.Zero) return Task.CompletedTask;
        var index = _nextCommandIndex++;
        var done = Pend(index);
        Emit(EventTypes.TimerStarted, new EventAttributes { CommandIndex = index, FireAt = Now + duration });
        OnCancel(ct, index, done, EventTypes.TimerCanceled, null, cancelsImmediately: true);
        return done.Task;
    }

    public Task<EventAttributes> StartChild(WorkflowDefinition child, object?[] args, ChildWorkflowOptions options)
    {
        var index = _nextCommandIndex++;
        var id = options.Id ?? $"{Info.WorkflowId}-child-{index}";
        var done = Pend(index);
        Emit(EventTypes.ChildWorkflowStarted, new EventAttributes
        {
            CommandIndex = index,
            Name = child.Name,
            WorkflowId = id,
            TaskQueue = options.TaskQueue ?? Info.TaskQueue,
            Payload = _serializer.ArgsToElement(args, child.ParameterTypes),
        });
        // Children are asked to cancel and the parent waits for them to close, as Temporal's default does.
        OnCancel(options.CancellationToken, index, done, EventTypes.ChildWorkflowCancelRequested, id, cancelsImmediately: false);
        return done.Task;
    }

    public Task<bool> WaitConditionAsync(Func<bool> condition, TimeSpan? timeout, CancellationToken ct)
    {
        if (condition()) return Task.FromResult(true);
        var done = new TaskCompletionSource<bool>();
        var entry = (condition, done);
        _conditions.Add(entry);
        if (ct.CanBeCanceled) ct.Register(() => { if (_conditions.Remove(entry)) done.TrySetCanceled(ct); });
        if (timeout is { } t)
        {
            var timerCancel = new CancellationTokenSource();
            var timer = DelayAsync(t, timerCancel.Token);
            timer.ContinueWith(_ => { if (_conditions.Remove(entry)) done.TrySetResult(false); },
                CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, _scheduler);
            done.Task.ContinueWith(_ => { if (!timer.IsCompleted) timerCancel.Cancel(); }, CancellationToken.None, TaskContinuationOptions.None, _scheduler);
        }
        return done.Task;
    }

    TaskCompletionSource<EventAttributes> Pend(int index)
    {
        var done = new TaskCompletionSource<EventAttributes>();
        _pending[index] = done;
        return done;
    }

    void OnCancel(CancellationToken given, int index, TaskCompletionSource<EventAttributes> done, string cancelEvent, string? workflowId, bool cancelsImmediately)
    {
        var token = given.CanBeCanceled ? given : CancellationToken;
        if (!token.CanBeCanceled) return;
        void Cancel()
        {
            if (!_pending.ContainsKey(index)) return;
            Emit(cancelEvent, new EventAttributes { CommandIndex = index, WorkflowId = workflowId });
            if (!cancelsImmediately) return;
            _pending.Remove(index);
            done.TrySetCanceled(token);
        }
        if (token.IsCancellationRequested) Cancel();
        else token.Register(Cancel);
    }

    public int NextCommandIndex => _nextCommandIndex;

    sealed class ReplayAwareLogger(ILogger inner, WorkflowInstance instance) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);
        public bool IsEnabled(LogLevel logLevel) => !instance.IsReplaying && inner.IsEnabled(logLevel);
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!instance.IsReplaying) inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
