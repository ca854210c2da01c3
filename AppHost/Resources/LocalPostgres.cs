using LocalServers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace AppHost.Resources;

/// <summary>
/// A private PostgreSQL cluster from Debian's binaries, run in the foreground by DCP (as user postgres when the
/// AppHost runs as root), with PostgreSQL's durable defaults and its data under <c>&lt;DataDirectory&gt;/&lt;name&gt;</c>,
/// kept across runs.
/// </summary>
public sealed class LocalPostgresResource(string name, string command, string clusterDirectory)
    : ExecutableResource(name, command, clusterDirectory), IResourceWithConnectionString
{
    internal const string EndpointName = "tcp";

    /// <summary>The database services get in their connection string; created on the first health check.</summary>
    public string Database { get; internal set; } = "postgres";

    public EndpointReference Endpoint => new(this, EndpointName);

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host={Endpoint.Property(EndpointProperty.Host)};Port={Endpoint.Property(EndpointProperty.Port)};Username=postgres;Database={Database}");
}

public static class LocalPostgresExtensions
{
    /// <summary>Adds PostgreSQL: local by default (port 54320), external when <c>ConnectionStrings:&lt;name&gt;</c> is configured.</summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddLocalPostgres(this IDistributedApplicationBuilder builder, string name, int port = 54320)
    {
        if (builder.AddExternalIfConfigured(name, CanQueryAsync) is { } external) return external;

        var bin = PostgresCluster.BinDirectory();
        var cluster = new PostgresCluster(builder.LocalDataDirectory(name), port, durable: true);
        var postgres = Path.Combine(bin, "postgres");
        // PostgreSQL refuses to run as root; runuser forwards DCP's SIGTERM to it.
        var resource = new LocalPostgresResource(name, ProcessRunner.IsRoot ? "/usr/sbin/runuser" : postgres, cluster.Directory);
        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(resource, (_, ct) => cluster.InitializeAsync(ct));
        var healthCheck = $"{name}-ready";
        builder.Services.AddHealthChecks().Add(new(healthCheck, _ => new PostgresReadyCheck(resource), null, null));

        return builder.AddResource(resource)
            .WithEndpoint(port: port, scheme: "tcp", name: LocalPostgresResource.EndpointName)
            .WithArgs(context =>
            {
                if (ProcessRunner.IsRoot) context.Args.AddAll("-u", "postgres", "--");
                context.Args.AddAll(postgres, "-D", cluster.DataDirectory, "-k", cluster.Directory);
                context.Args.AddAll("-p", resource.Endpoint.Property(EndpointProperty.TargetPort));
                context.Args.AddAll("-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200");
            })
            .WithHealthCheck(healthCheck);
    }

    /// <summary>The database the connection string names (for an external server, its connection string decides).</summary>
    public static IResourceBuilder<IResourceWithConnectionString> WithDatabase(this IResourceBuilder<IResourceWithConnectionString> builder, string database)
    {
        if (builder.Resource is LocalPostgresResource local) local.Database = database;
        return builder;
    }

    static async Task CanQueryAsync(string connectionString, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = 5 }.ConnectionString);
        await connection.OpenAsync(ct);
        await using var ping = new NpgsqlCommand("SELECT 1", connection);
        await ping.ExecuteScalarAsync(ct);
    }
}

/// <summary>Healthy once the server answers a query and the configured database exists (created here the first time).</summary>
sealed class PostgresReadyCheck(LocalPostgresResource resource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var target = new NpgsqlConnectionStringBuilder(await resource.ConnectionStringExpression.GetValueAsync(cancellationToken));
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(target.ConnectionString) { Database = "postgres", Pooling = false, Timeout = 3 }.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection) { Parameters = { new() { Value = target.Database } } };
            if (await exists.ExecuteScalarAsync(cancellationToken) is null)
            {
                // CREATE DATABASE takes no parameters; the name is quoted as an identifier.
                await using var create = new NpgsqlCommand($"CREATE DATABASE \"{target.Database!.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
                await create.ExecuteNonQueryAsync(cancellationToken);
            }
            return HealthCheckResult.Healthy($"PostgreSQL {connection.ServerVersion}, database {target.Database}");
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy(e.Message);
        }
    }
}
