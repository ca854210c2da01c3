using Temporalio.Activities;
using Temporalio.Client;
using Temporalio.Worker;

// usage: TemporalServer.TestWorker <host:port> <task queue> <marker file>
// Runs activity "Run" on the task queue; each attempt writes "<attempt>" to the marker file, then works for a minute.
var client = await TemporalClient.ConnectAsync(new TemporalClientConnectOptions(args[0]) { Namespace = "default" });
using var worker = new TemporalWorker(client, new TemporalWorkerOptions(args[1]).AddAllActivities(new SlowActivities(args[2])));
await worker.ExecuteAsync(CancellationToken.None);

sealed class SlowActivities(string markerFile)
{
    [Activity("Run")]
    public async Task<string> RunAsync(string key, int failuresBeforeSuccess, string errorType, TimeSpan? sleep)
    {
        await File.WriteAllTextAsync(markerFile, ActivityExecutionContext.Current.Info.Attempt.ToString());
        await Task.Delay(TimeSpan.FromMinutes(1), ActivityExecutionContext.Current.CancellationToken);
        return "finished in the worker process";
    }
}
