namespace Web.Pipeline;

public static class PipelineApi
{
    public static RouteGroupBuilder MapPipelineApi(this RouteGroupBuilder api)
    {
        api.MapGet("/pipeline/status", (PipelineOverviewReader reader, CancellationToken ct) => reader.ReadAsync(ct))
            .WithTags("Pipeline").WithSummary("Pipeline status: trades received, quarantined, results, data loss and recent workflow runs");
        return api;
    }
}
