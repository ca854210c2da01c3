// Usage: Durable.TestWorker <connection string> <task queue> <lease ms> [kill point: AfterInsert|BeforeCommit|AfterCommit|EagerDispatch]
//        Durable.TestWorker replay <history.json>...
using Durable;
using Durable.TestWorker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

if (args.Length > 0 && args[0] == "replay")
    return await new WorkflowReplayer().AddWorkflow<SequentialWorkflow>().AddWorkflow<VersionedV1>().RunCommandLineAsync(args[1..], Console.Out);

KillPoints.Point = args.Length > 3 ? args[3] : null;
using var host = TestHost.Build(args[0], args[1], TimeSpan.FromMilliseconds(int.Parse(args[2])), o =>
    o.CompletionHook = (point, info) => { KillPoints.Hit(point, info.Attempt); return Task.CompletedTask; });
await Effects.EnsureAsync(host.Services.GetRequiredService<NpgsqlDataSource>());
await host.StartAsync();
Console.WriteLine("ready");
await host.WaitForShutdownAsync();
return 0;
