using ServiceDefaults.Postgres;
using Npgsql;

namespace Telemetry.Storage;

/// <summary>The <c>telemetry</c> schema, owned by the OTLP receiver: ordered SQL files embedded from Storage/Migrations.</summary>
public static class TelemetrySchema
{
    public static Task ApplyAsync(NpgsqlDataSource dataSource, CancellationToken ct = default) =>
        SchemaMigrator.ApplyAsync(dataSource, "telemetry", SchemaMigrator.FromEmbeddedResources(typeof(TelemetrySchema).Assembly, "Telemetry.Storage.Migrations"), ct);
}
