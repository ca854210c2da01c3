using Temporalio.Api.Enums.V1;
using Temporalio.Client.Schedules;
using TestSupport;
using Workers.Trades;

namespace Workers.Tests;

/// <summary>Workers put the live pipeline's Temporal Schedule in place at start, once, keeping an operator's pause.</summary>
[Collection("workers")]
public sealed class TradeLiveScheduleTests(WorkersInfrastructure infrastructure)
{
    [Fact]
    public async Task Workers_create_the_live_schedule_every_minute_with_overlap_skip_and_a_restart_keeps_an_operators_pause()
    {
        var env = await infrastructure.EnvironmentAsync("schedule");
        env["Trades__LiveSchedule__Enabled"] = "true";
        var client = await infrastructure.ConnectTemporalAsync();
        var handle = client.GetScheduleHandle(TradeLiveSchedule.ScheduleId);
        try
        {
            await using (await ServiceProcess.StartAsync("Workers", env))
            {
                var created = await WaitForScheduleAsync(handle);
                Assert.Equal(TimeSpan.FromMinutes(1), created.Schedule.Spec.Intervals.Single().Every);
                Assert.Equal(ScheduleOverlapPolicy.Skip, created.Schedule.Policy.Overlap);
                var action = Assert.IsType<ScheduleActionStartWorkflow>(created.Schedule.Action);
                Assert.Equal(("TradePipelineWorkflow", TradeLiveSchedule.WorkflowIdPrefix), (action.Workflow, action.Options.Id));
                await handle.PauseAsync("operator: maintenance");
            }

            await using (await ServiceProcess.StartAsync("Workers", env))
            {
                await Task.Delay(TimeSpan.FromSeconds(3)); // the update runs in the background after start
                var kept = await handle.DescribeAsync();
                Assert.True(kept.Schedule.State.Paused);
                Assert.Equal("operator: maintenance", kept.Schedule.State.Note);
                var listed = new List<string>();
                await foreach (var s in client.ListSchedulesAsync()) listed.Add(s.Id);
                Assert.Single(listed, TradeLiveSchedule.ScheduleId);
            }
        }
        finally
        {
            await handle.DeleteAsync(); // other tests' Workers share this server
        }
    }

    static async Task<ScheduleDescription> WaitForScheduleAsync(ScheduleHandle handle)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(30); ; await Task.Delay(300))
        {
            try { return await handle.DescribeAsync(); }
            catch (Temporalio.Exceptions.RpcException) when (DateTime.UtcNow < deadline) { }
        }
    }
}
