using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.Protocol.V1;
using Temporalio.Api.Update.V1;
using Temporalio.Api.WorkflowService.V1;

namespace TemporalServer.Executions;

/// <summary>
/// Workflow updates over Temporal's message protocol: an admitted update rides on the next workflow task as a
/// request message; the worker answers with acceptance, rejection and response messages, whose events
/// (UpdateAccepted, UpdateCompleted) are written where its ProtocolMessage commands put them. Unlike Temporal, the
/// workflow task that carries an update is an ordinary one, so a rejected update leaves that task in the history.
/// </summary>
sealed partial class WorkflowRun
{
    /// <summary>Admits an update (or finds the one with the same id) and makes sure a workflow task will carry it.</summary>
    public PendingUpdate AdmitUpdate(Request request)
    {
        if (State.Updates.TryGetValue(request.Meta.UpdateId, out var known)) return known;
        var update = new PendingUpdate { Request = request, Stage = UpdateWorkflowExecutionLifecycleStage.Admitted };
        State.Updates[request.Meta.UpdateId] = update;
        Notifications.Add(Storage.Notifications.RunKey(State.RunId));
        ScheduleWorkflowTask();
        return update;
    }

    /// <summary>The request messages for a workflow task being started: every admitted update not yet delivered.</summary>
    public IEnumerable<Message> DeliverUpdates()
    {
        foreach (var (id, update) in State.Updates.Where(u => u.Value.Stage == UpdateWorkflowExecutionLifecycleStage.Admitted && !u.Value.Delivered))
        {
            update.Delivered = true;
            yield return new Message
            {
                Id = id + "/request",
                ProtocolInstanceId = id,
                EventId = State.WorkflowTask.StartedEventId - 1,
                Body = Any.Pack(update.Request),
            };
        }
    }

    bool HasUndeliveredUpdates => State.Updates.Values.Any(u => u.Stage == UpdateWorkflowExecutionLifecycleStage.Admitted && !u.Delivered);

    /// <summary>Applies one protocol message of a completion: acceptance, rejection or response.</summary>
    void ApplyMessage(Message message, long completedId)
    {
        if (!State.Updates.TryGetValue(message.ProtocolInstanceId, out var update)) return;
        if (message.Body.TryUnpack<Acceptance>(out var acceptance))
        {
            var e = Event(EventType.WorkflowExecutionUpdateAccepted);
            e.WorkflowExecutionUpdateAcceptedEventAttributes = new()
            {
                ProtocolInstanceId = message.ProtocolInstanceId,
                AcceptedRequestMessageId = acceptance.AcceptedRequestMessageId,
                AcceptedRequestSequencingEventId = acceptance.AcceptedRequestSequencingEventId,
                AcceptedRequest = acceptance.AcceptedRequest ?? update.Request,
            };
            Append(e);
            update.Stage = UpdateWorkflowExecutionLifecycleStage.Accepted;
            update.AcceptedEventId = e.EventId;
        }
        else if (message.Body.TryUnpack<Rejection>(out var rejection))
        {
            update.Stage = UpdateWorkflowExecutionLifecycleStage.Completed;
            update.Outcome = new Outcome { Failure = rejection.Failure };
        }
        else if (message.Body.TryUnpack<Response>(out var response))
        {
            var e = Event(EventType.WorkflowExecutionUpdateCompleted);
            e.WorkflowExecutionUpdateCompletedEventAttributes = new() { Meta = response.Meta, AcceptedEventId = update.AcceptedEventId, Outcome = response.Outcome };
            Append(e);
            update.Stage = UpdateWorkflowExecutionLifecycleStage.Completed;
            update.Outcome = response.Outcome;
        }
    }

    /// <summary>
    /// After a completion: messages without a ProtocolMessage command (rejections) are applied; delivered updates the
    /// worker did not answer are delivered again with the next task.
    /// </summary>
    void FinishMessages(RespondWorkflowTaskCompletedRequest request, HashSet<string> applied, long completedId)
    {
        foreach (var message in request.Messages.Where(m => !applied.Contains(m.Id))) ApplyMessage(message, completedId);
        foreach (var update in State.Updates.Values.Where(u => u.Stage == UpdateWorkflowExecutionLifecycleStage.Admitted)) update.Delivered = false;
        if (HasUndeliveredUpdates) ScheduleWorkflowTask();
    }

    /// <summary>Updates still open when the run closes fail: nobody will complete them.</summary>
    void FailOpenUpdates()
    {
        foreach (var update in State.Updates.Values.Where(u => u.Stage != UpdateWorkflowExecutionLifecycleStage.Completed))
        {
            update.Stage = UpdateWorkflowExecutionLifecycleStage.Completed;
            // Temporal's failure for an update the workflow closed under (clients match on its type).
            update.Outcome = new Outcome
            {
                Failure = new Failure
                {
                    Message = "Workflow Update failed because the Workflow completed before the Update completed.",
                    ApplicationFailureInfo = new() { Type = "AcceptedUpdateCompletedWorkflow", NonRetryable = true },
                },
            };
        }
    }
}

sealed class PendingUpdate
{
    public required Request Request { get; init; }
    public UpdateWorkflowExecutionLifecycleStage Stage { get; set; }
    /// <summary>Sent to the worker with the workflow task in flight.</summary>
    public bool Delivered { get; set; }
    public long AcceptedEventId { get; set; }
    public Outcome? Outcome { get; set; }
}
