using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace ServiceDefaults.Postgres;

public static class PostgresRegistration
{
    /// <summary>Registers one pooled <see cref="NpgsqlDataSource"/> for <c>ConnectionStrings:&lt;name&gt;</c> and a readiness check.</summary>
    public static IHostApplicationBuilder AddPostgres(this IHostApplicationBuilder builder, string connectionName)
    {
        var connectionString = builder.Configuration.GetConnectionString(connectionName)
            ?? throw new InvalidOperationException($"ConnectionStrings:{connectionName} is not configured (a PostgreSQL connection string)");
        builder.Services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString) { Name = connectionName }.Build());
        builder.Services.AddHealthChecks().Add(new(connectionName, sp => new PostgresHealthCheck(sp.GetRequiredService<NpgsqlDataSource>()), null, [Extensions.ReadyTag]));
        return builder;
    }
}

sealed class PostgresHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = dataSource.CreateCommand("SELECT current_setting('server_version')");
            return HealthCheckResult.Healthy($"PostgreSQL {await command.ExecuteScalarAsync(cancellationToken)}");
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"PostgreSQL: {e.Message}");
        }
    }
}
