using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ServiceDefaults;
using ServiceDefaults.Temporal;
using Temporalio.Client;
using Temporalio.Exceptions;
using Workflows.Trades;

namespace Cli.Trades;

/// <summary>
/// `pipeline trades backfill`: starts the trade pipeline over a range of delivery days on Temporal, as Web's
/// POST /api/pipeline/backfills does, through the same client registration (ConnectionStrings:temporal, Temporal:*
/// from the environment, e.g. ConnectionStrings__temporal=host:port) and, with OTEL_EXPORTER_OTLP_ENDPOINT set, the
/// same trace from this command into the workers.
/// </summary>
internal static class BackfillCommand
{
    public static Command Create()
    {
        var from = new Option<string>("--from") { Description = "first delivery day (market time), yyyy-MM-dd", Required = true };
        var to = new Option<string?>("--to") { Description = "last delivery day, yyyy-MM-dd (default: --from)" };
        var temporal = new Option<string?>("--temporal") { Description = "Temporal frontend host:port (default: ConnectionStrings__temporal, else 127.0.0.1:7233)" };
        var ns = new Option<string?>("--namespace") { Description = "Temporal namespace (default: Temporal__Namespace, else default)" };
        var wait = new Option<bool>("--wait") { Description = "wait for the run to finish and print its report" };
        var command = new Command("backfill", "run the trade pipeline over delivery days on Temporal (a running system's workers do the work)") { from, to, temporal, ns, wait };
        command.SetAction(async (parsed, ct) =>
        {
            if (Day(parsed.GetValue(from)) is not { } first) return TradesCommands.Fail(TradesCommands.BadArguments, $"--from '{parsed.GetValue(from)}' is not a date in the form yyyy-MM-dd");
            var toText = parsed.GetValue(to);
            if ((toText is null ? first : Day(toText)) is not { } last) return TradesCommands.Fail(TradesCommands.BadArguments, $"--to '{toText}' is not a date in the form yyyy-MM-dd");
            if (last < first) return TradesCommands.Fail(TradesCommands.BadArguments, $"--to {last:yyyy-MM-dd} is before --from {first:yyyy-MM-dd}");

            using var host = BuildHost(parsed.GetValue(temporal), parsed.GetValue(ns));
            await host.StartAsync(ct);
            try
            {
                var client = host.Services.GetRequiredService<ITemporalClient>();
                var handle = await client.StartWorkflowAsync((TradePipelineWorkflow w) => w.RunAsync(TradePipelineRequest.Backfill(first, last)),
                    new WorkflowOptions(TradePipelineWorkflow.BackfillId(first, last), TradePipelineWorkflow.TaskQueue) { Rpc = new RpcOptions { CancellationToken = ct } });
                Console.WriteLine($"started {handle.Id} (run {handle.ResultRunId}) for delivery days {first:yyyy-MM-dd}..{last:yyyy-MM-dd}");
                if (!parsed.GetValue(wait)) return TradesCommands.Ok;
                var report = await handle.GetResultAsync(rpcOptions: new RpcOptions { CancellationToken = ct });
                Console.WriteLine($"{report.Partitions} partitions: {report.Products:N0} products, {report.Trades:N0} trades, {report.Anomalies:N0} anomalies, {report.ExportedFiles} files exported");
                return TradesCommands.Ok;
            }
            catch (WorkflowAlreadyStartedException e)
            {
                return TradesCommands.Fail(TradesCommands.Failed, $"a backfill of this range is already running ({e.WorkflowId}); watch it in the Temporal UI");
            }
            catch (WorkflowFailedException e)
            {
                return TradesCommands.Fail(TradesCommands.Failed, $"the backfill failed: {e.InnerException?.Message ?? e.Message}");
            }
            catch (Exception e) when (e is RpcException or InvalidOperationException)
            {
                return TradesCommands.Fail(TradesCommands.Failed, $"Temporal did not answer: {e.Message}");
            }
            finally
            {
                await host.StopAsync(CancellationToken.None); // flushes the trace
            }
        });
        return command;
    }

    /// <summary>A host with the Temporal client registration every service uses (also for `pipeline grid backfill`).</summary>
    internal static IHost BuildHost(string? temporal, string? ns)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "pipeline", DisableDefaults = true });
        builder.Configuration.AddEnvironmentVariables();
        var overrides = new Dictionary<string, string?>();
        if (temporal is not null) overrides["ConnectionStrings:temporal"] = temporal;
        else if (builder.Configuration.GetConnectionString("temporal") is null) overrides["ConnectionStrings:temporal"] = "127.0.0.1:7233";
        if (ns is not null) overrides["Temporal:Namespace"] = ns;
        builder.Configuration.AddInMemoryCollection(overrides);
        builder.AddServiceDefaults();
        builder.AddTemporalClient();
        return builder.Build();
    }

    internal static DateOnly? Day(string? text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) ? day : null;
}
