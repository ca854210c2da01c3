using System.CommandLine;
using Cli.Trades;
using Microsoft.Extensions.DependencyInjection;
using Temporalio.Client;
using Temporalio.Exceptions;
using Workflows.Grid;

namespace Cli.Grid;

/// <summary>`pipeline grid backfill`: Energy-Charts ingestion over a range of local days on Temporal (the running workers fetch).</summary>
internal static class GridCommands
{
    public const string AllDatasets = "all";

    public static Command Create()
    {
        var grid = new Command("grid", "Energy-Charts public power, prices and installed power");
        grid.Subcommands.Add(Backfill());
        return grid;
    }

    static Command Backfill()
    {
        var from = new Option<string>("--from") { Description = "first local day (Europe/Berlin), yyyy-MM-dd", Required = true };
        var to = new Option<string>("--to") { Description = "last local day, yyyy-MM-dd", Required = true };
        var dataset = new Option<string>("--dataset") { Description = $"{string.Join(", ", GridIngestWorkflow.Datasets)} or {AllDatasets}", DefaultValueFactory = _ => AllDatasets };
        var country = new Option<string>("--country") { Description = "country of public and installed power", DefaultValueFactory = _ => "de" };
        var zone = new Option<string>("--bidding-zone") { Description = "bidding zone of the prices", DefaultValueFactory = _ => "DE-LU" };
        var temporal = new Option<string?>("--temporal") { Description = "Temporal frontend host:port (default: ConnectionStrings__temporal, else 127.0.0.1:7233)" };
        var wait = new Option<bool>("--wait") { Description = "wait for the runs to finish and print their reports" };
        var command = new Command("backfill", "ingest Energy-Charts data over local days on Temporal (a running system's workers do the work)") { from, to, dataset, country, zone, temporal, wait };
        command.SetAction(async (parsed, ct) =>
        {
            if (BackfillCommand.Day(parsed.GetValue(from)) is not { } first)
                return TradesCommands.Fail(TradesCommands.BadArguments, $"--from '{parsed.GetValue(from)}' is not a date in the form yyyy-MM-dd");
            if (BackfillCommand.Day(parsed.GetValue(to)) is not { } last)
                return TradesCommands.Fail(TradesCommands.BadArguments, $"--to '{parsed.GetValue(to)}' is not a date in the form yyyy-MM-dd");
            if (last < first) return TradesCommands.Fail(TradesCommands.BadArguments, $"--to {last:yyyy-MM-dd} is before --from {first:yyyy-MM-dd}");
            if (last.DayNumber - first.DayNumber >= GridIngestWorkflow.MaxDays)
                return TradesCommands.Fail(TradesCommands.BadArguments, $"--from {first:yyyy-MM-dd} --to {last:yyyy-MM-dd} is more than {GridIngestWorkflow.MaxDays} days");
            var name = parsed.GetValue(dataset)!;
            if (name != AllDatasets && !GridIngestWorkflow.Datasets.Contains(name))
                return TradesCommands.Fail(TradesCommands.BadArguments, $"--dataset '{name}' is not one of {string.Join(", ", GridIngestWorkflow.Datasets)}, {AllDatasets}");

            var requests = (name == AllDatasets ? GridIngestWorkflow.Datasets : [name]).Select(d => new GridIngestRequest
            {
                Dataset = d,
                Area = d == "price" ? parsed.GetValue(zone)! : parsed.GetValue(country)!,
                FirstDay = first,
                LastDay = last,
            }).ToList();
            using var host = BackfillCommand.BuildHost(parsed.GetValue(temporal), null);
            await host.StartAsync(ct);
            try
            {
                var client = host.Services.GetRequiredService<ITemporalClient>();
                var handles = new List<WorkflowHandle<GridIngestWorkflow, GridIngestReport>>();
                foreach (var request in requests)
                {
                    var handle = await client.StartWorkflowAsync((GridIngestWorkflow w) => w.RunAsync(request),
                        new WorkflowOptions(GridIngestWorkflow.BackfillId(request.Dataset, request.Area, first, last), GridIngestWorkflow.TaskQueue) { Rpc = new RpcOptions { CancellationToken = ct } });
                    Console.WriteLine($"started {handle.Id} (run {handle.ResultRunId})");
                    handles.Add(handle);
                }
                if (!parsed.GetValue(wait)) return TradesCommands.Ok;
                foreach (var handle in handles)
                {
                    var r = await handle.GetResultAsync(rpcOptions: new RpcOptions { CancellationToken = ct });
                    Console.WriteLine($"{r.Dataset} {r.Area}: {r.Fetches} fetches, {r.Points:N0} points: {r.Inserted:N0} new, {r.Revised:N0} revised, {r.Unchanged:N0} unchanged; {r.ChangedDays} days recomputed; {r.PartitionsExported} lake partitions written");
                }
                return TradesCommands.Ok;
            }
            catch (WorkflowAlreadyStartedException e)
            {
                return TradesCommands.Fail(TradesCommands.Failed, $"a backfill of this range is already running ({e.WorkflowId}); watch it in the Temporal UI");
            }
            catch (WorkflowFailedException e)
            {
                return TradesCommands.Fail(TradesCommands.Failed, $"the backfill failed: {e.InnerException?.InnerException?.Message ?? e.InnerException?.Message ?? e.Message}");
            }
            catch (Exception e) when (e is RpcException or InvalidOperationException)
            {
                return TradesCommands.Fail(TradesCommands.Failed, $"Temporal did not answer: {e.Message}");
            }
            finally
            {
                await host.StopAsync(CancellationToken.None);
            }
        });
        return command;
    }
}
