using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ServiceDefaults;

/// <summary>
/// Stops the service when the AppHost that launched it is gone (even if it was SIGKILLed and could not stop its
/// children), so a crashed launcher never leaves orphan services holding ports.
/// </summary>
sealed class LauncherWatch(IConfiguration configuration, IHostApplicationLifetime lifetime, ILogger<LauncherWatch> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!int.TryParse(configuration["APPHOST_PID"], out var launcher)) return;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (Directory.Exists($"/proc/{launcher}")) continue;
            logger.LogWarning("AppHost process {Pid} is gone; stopping", launcher);
            lifetime.StopApplication();
            return;
        }
    }
}
