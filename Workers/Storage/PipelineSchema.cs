using Npgsql;
using ServiceDefaults.Postgres;

namespace Workers.Storage;

/// <summary>The <c>pipeline</c> schema: ordered SQL files embedded from Storage/Migrations, applied at start.</summary>
public static class PipelineSchema
{
    public static Task ApplyAsync(NpgsqlDataSource dataSource, CancellationToken ct) =>
        SchemaMigrator.ApplyAsync(dataSource, "pipeline", SchemaMigrator.FromEmbeddedResources(typeof(PipelineSchema).Assembly, "Workers.Storage.Migrations"), ct);
}
