using Microsoft.Extensions.Logging;

namespace Durable;

/// <summary>
/// Re-executes workflow code against its history. History is cut into steps by WorkflowTaskCompleted events: each step
/// delivers the events that task had seen, runs the code until it blocks, and checks that the commands it issues are the
/// ones recorded right after that marker. What is left after the last marker is the live step.
/// </summary>
internal sealed class WorkflowExecution
{
    readonly WorkflowInstance _instance;
    readonly IReadOnlyList<HistoryEvent> _events;
    readonly bool[] _delivered;

    WorkflowExecution(WorkflowInstance instance, IReadOnlyList<HistoryEvent> events)
    {
        _instance = instance;
        _events = events;
        _delivered = new bool[events.Count];
    }

    public WorkflowInstance Instance => _instance;

    public static WorkflowExecution Replay(WorkflowDefinition definition, WorkflowInfo info, IReadOnlyList<HistoryEvent> events, DurableSerializer serializer, ILogger logger)
    {
        var execution = new WorkflowExecution(new WorkflowInstance(definition, info, serializer, logger), events);
        execution.ReplayRecordedSteps();
        return execution;
    }

    void ReplayRecordedSteps()
    {
        _instance.IsReplaying = true;
        for (var i = 0; i < _events.Count; i++)
        {
            var marker = _events[i];
            if (marker.Type != EventTypes.WorkflowTaskCompleted) continue;
            for (var j = 0; j < i; j++)
                if (!_delivered[j] && _events[j].Seq <= marker.Attributes.SeenThrough) Deliver(j);
            _instance.Now = marker.Time;
            _instance.RunUntilBlocked();
            var issued = _instance.TakeCommands();
            var k = i + 1;
            foreach (var command in issued)
            {
                if (k >= _events.Count || !EventTypes.IsCommand(_events[k].Type))
                    throw new NonDeterminismException(k < _events.Count ? _events[k].Seq : marker.Seq + 1 + (k - i - 1), "no further command", command.Describe(), _instance.Definition.Name);
                var recorded = _events[k];
                var expected = new WorkflowCommand(recorded.Type, recorded.Attributes).Describe();
                if (expected != command.Describe()) throw new NonDeterminismException(recorded.Seq, expected, command.Describe(), _instance.Definition.Name);
                _delivered[k] = true;
                k++;
            }
            if (k < _events.Count && EventTypes.IsCommand(_events[k].Type))
                throw new NonDeterminismException(_events[k].Seq, new WorkflowCommand(_events[k].Type, _events[k].Attributes).Describe(), "no further command", _instance.Definition.Name);
            _delivered[i] = true;
        }
    }

    void Deliver(int index)
    {
        _delivered[index] = true;
        var e = _events[index];
        if (!EventTypes.IsCommand(e.Type) && e.Type != EventTypes.WorkflowTaskCompleted) _instance.Deliver(e);
    }

    /// <summary>Continues a cached execution with events that arrived since its last task.</summary>
    public List<WorkflowCommand> Continue(IEnumerable<HistoryEvent> events, DateTimeOffset now)
    {
        _instance.IsReplaying = false;
        foreach (var e in events)
            if (!EventTypes.IsCommand(e.Type) && e.Type != EventTypes.WorkflowTaskCompleted) _instance.Deliver(e);
        _instance.Now = now;
        _instance.RunUntilBlocked();
        return _instance.TakeCommands();
    }

    /// <summary>Delivers everything not yet seen, runs the code and returns the new commands.</summary>
    public List<WorkflowCommand> RunLiveStep(DateTimeOffset now, bool replaying = false)
    {
        _instance.IsReplaying = replaying;
        for (var j = 0; j < _events.Count; j++)
            if (!_delivered[j]) Deliver(j);
        _instance.Now = now;
        _instance.RunUntilBlocked();
        return _instance.TakeCommands();
    }
}
