using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Durable.TestWorker;

/// <summary>The worker host used in-process by tests and out-of-process by Program.</summary>
public static class TestHost
{
    public static IHost Build(string connectionString, string queue, TimeSpan lease, Action<DurableWorkerOptions>? configure = null, bool versionTwo = false, int maxActivities = 16)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(NpgsqlDataSource.Create(connectionString));
        var worker = builder.Services.AddDurableWorker(o =>
        {
            o.TaskQueue = queue;
            o.LeaseDuration = lease;
            o.PollInterval = TimeSpan.FromMilliseconds(500);
            o.MaxConcurrentActivities = maxActivities;
            configure?.Invoke(o);
        });
        worker.AddWorkflow<SequentialWorkflow>().AddWorkflow<NoopWorkflow>().AddWorkflow<ApprovalWorkflow>().AddWorkflow<TimerWorkflow>()
            .AddWorkflow<RetryWorkflow>().AddWorkflow<ParentWorkflow>().AddWorkflow<FanOutWorkflow>().AddWorkflow<CancellableWorkflow>()
            .AddWorkflow<CounterWorkflow>().AddWorkflow<ExactlyOnceWorkflow>().AddWorkflow<ToggleWorkflow>().AddWorkflow<DeterministicApisWorkflow>()
            .AddActivities<TestActivities>();
        if (versionTwo) worker.AddWorkflow<VersionedV2>(); else worker.AddWorkflow<VersionedV1>();
        builder.Services.AddDurableClient();
        return builder.Build();
    }
}
