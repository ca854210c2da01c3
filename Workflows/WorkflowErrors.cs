namespace Workflows;

/// <summary>Failure types every workflow treats alike: a retry would fail the same way, so none is retried.</summary>
public static class WorkflowErrors
{
    /// <summary>The request itself is wrong (a range the wrong way round, an unknown dataset): the failure names what.</summary>
    public const string InvalidRequest = "InvalidRequest";
}
