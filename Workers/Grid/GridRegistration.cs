using Grid;
using Grid.EnergyCharts;
using Grid.Lake;
using Npgsql;
using ServiceDefaults.Temporal;
using Temporalio.Extensions.Hosting;
using Workflows.Grid;

namespace Workers.Grid;

/// <summary>
/// The <c>Grid</c> settings. <c>Grid:EnergyCharts:BaseUrl</c> is where Energy-Charts is: by default the Feeds stand-in
/// when the AppHost references it (<c>services:feeds:http:0</c>), else the public API. <c>Grid:Country</c> and
/// <c>Grid:BiddingZone</c> (de, DE-LU), <c>Grid:RecentDays</c> (3), <c>Grid:Schedules:Enabled</c> (true).
/// </summary>
public sealed record GridSettings(EnergyChartsOptions EnergyCharts, GridAreas Areas, int RecentDays, bool SchedulesEnabled)
{
    public static GridSettings Read(IConfiguration configuration)
    {
        var grid = configuration.GetSection("Grid");
        var options = grid.GetSection("EnergyCharts").Get<EnergyChartsOptions>() ?? new EnergyChartsOptions();
        if (grid["EnergyCharts:BaseUrl"] is null && configuration["services:feeds:http:0"] is { } feeds)
            options = options with { BaseUrl = new Uri(feeds.TrimEnd('/') + "/") };
        var areas = new GridAreas { Country = grid["Country"] ?? "de", BiddingZone = grid["BiddingZone"] ?? "DE-LU" };
        return new GridSettings(options, areas, grid.GetValue("RecentDays", 3), grid.GetValue("Schedules:Enabled", true));
    }
}

public static class GridRegistration
{
    /// <summary>Energy-Charts ingestion: the client, the ingestion, the lake export (the <c>lake</c> bucket), the <c>grid</c> task queue's worker and the Schedules.</summary>
    public static IHostApplicationBuilder AddGridIngestion(this IHostApplicationBuilder builder)
    {
        var settings = GridSettings.Read(builder.Configuration);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(settings.Areas);
        // its own HttpClient: the client retries as Energy-Charts needs (Retry-After), not under the default resilience handler too
        builder.Services.AddSingleton(sp => new EnergyChartsClient(new HttpClient { Timeout = Timeout.InfiniteTimeSpan }, settings.EnergyCharts,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<EnergyChartsClient>>()));
        builder.Services.AddSingleton<GridIngestion>();
        builder.Services.AddSingleton(sp => new GridLakeExport(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<ServiceDefaults.Lake.Lake>().Client,
            sp.GetRequiredService<ServiceDefaults.Lake.Lake>().Bucket, settings.Areas, sp.GetRequiredService<TimeProvider>()));
        builder.AddTemporalWorker(GridIngestWorkflow.TaskQueue)
            .AddScopedActivities<GridActivities>()
            .AddWorkflow<GridIngestWorkflow>();
        builder.Services.AddHostedService<GridSchedules>();
        return builder;
    }
}
