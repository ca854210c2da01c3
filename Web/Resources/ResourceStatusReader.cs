using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Web.Resources;

public sealed record ResourceStatus(string Name, string Status, string? Detail);

public sealed record PipelineStatus(IReadOnlyList<ResourceStatus> Resources, DateTime? LastHeartbeatAt, long Heartbeats);

/// <summary>The health of every resource this app is wired to, and the last heartbeat that crossed the pipeline.</summary>
public sealed class ResourceStatusReader(HealthCheckService health, NpgsqlDataSource dataSource)
{
    const string HeartbeatSql = "SELECT max(received_at), count(*) FROM pipeline.heartbeats";

    public async Task<PipelineStatus> ReadAsync(CancellationToken ct)
    {
        var report = await health.CheckHealthAsync(check => !check.Tags.Contains("live"), ct);
        var resources = report.Entries
            .Select(e => new ResourceStatus(e.Key, e.Value.Status.ToString(), e.Value.Description ?? e.Value.Exception?.Message))
            .OrderBy(r => r.Name, StringComparer.Ordinal)
            .ToList();
        var (lastAt, count) = await ReadHeartbeatsAsync(ct);
        return new PipelineStatus(resources, lastAt, count);
    }

    async Task<(DateTime?, long)> ReadHeartbeatsAsync(CancellationToken ct)
    {
        try
        {
            await using var command = dataSource.CreateCommand(HeartbeatSql);
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            return (reader.IsDBNull(0) ? null : reader.GetDateTime(0), reader.GetInt64(1));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return (null, 0); // Workers have not created the schema yet.
        }
        catch (NpgsqlException)
        {
            return (null, 0); // PostgreSQL itself is shown unhealthy in the list.
        }
    }
}

public static class ResourceApi
{
    public static RouteGroupBuilder MapResourceApi(this RouteGroupBuilder api)
    {
        api.MapGet("/resources", (ResourceStatusReader reader, CancellationToken ct) => reader.ReadAsync(ct))
            .WithTags("Pipeline").WithSummary("Health of every resource and the last heartbeat");
        return api;
    }
}
