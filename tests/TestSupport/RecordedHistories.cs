using Temporalio.Client;

namespace TestSupport;

/// <summary>
/// With RECORD_HISTORIES=1, a workflow test writes the history of the run it just finished to
/// tests/Workflows.Tests/Histories/, where ReplayTests replays every recorded history against the current code.
/// </summary>
public static class RecordedHistories
{
    public static async Task SaveIfRecordingAsync(ITemporalClient client, string workflowId, string name)
    {
        if (Environment.GetEnvironmentVariable("RECORD_HISTORIES") != "1") return;
        var history = await client.GetWorkflowHandle(workflowId).FetchHistoryAsync();
        await File.WriteAllTextAsync(Path.Combine(ServiceProcess.RepositoryRoot, "tests", "Workflows.Tests", "Histories", name + ".json"), history.ToJson());
    }
}
