using System.Net.Http.Json;
using System.Text.Json;
using Amazon.S3.Model;
using LocalServers;
using Npgsql;
using ServiceDefaults.Lake;
using TestSupport;

namespace AppHost.Tests;

[CollectionDefinition("apphost")]
public sealed class AppHostCollection : ICollectionFixture<PostgresFixture>;

/// <summary>The real launcher, the real servers and the real services, end to end.</summary>
[Collection("apphost")]
public sealed class AppHostTests(PostgresFixture externalPostgres) : IDisposable
{
    static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    readonly string _data = DataDirectory();

    [Fact]
    public async Task The_whole_graph_comes_up_healthy_works_end_to_end_and_stops_without_leftovers()
    {
        var (host, state) = await AppHostProcess.StartAsync(_data);
        await using var _ = host;
        var web = new Uri(state["web"].Url!);

        // Feeds -> Kafka -> Workers -> PostgreSQL
        var heartbeats = await EventuallyAsync(() => CountHeartbeatsAsync(state["postgres"].ConnectionString!), n => n > 0, TimeSpan.FromSeconds(45));
        Assert.True(heartbeats > 0, $"no heartbeat reached PostgreSQL\n{host.Output}");

        // Web's resource page lists every resource, all healthy.
        var page = await Http.GetStringAsync(web);
        foreach (var name in new[] { "postgres", "kafka", "lake", "feeds", "workers" })
            Assert.Contains($"<tr data-resource=\"{name}\"><td>{name}</td>\n                    <td class=\"status healthy\">Healthy</td>", page);
        var api = await Http.GetFromJsonAsync<JsonElement>(new Uri(web, "/api/resources"));
        Assert.All(api.GetProperty("resources").EnumerateArray(), r => Assert.Equal("Healthy", r.GetProperty("status").GetString()));
        Assert.Equal(5, api.GetProperty("resources").GetArrayLength());

        // An object written through the lake connection string can be read back.
        var lake = LakeConnection.Parse(state["lake"].ConnectionString!);
        using (var s3 = lake.CreateClient())
        {
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = lake.Bucket, Key = "probe/hello.txt", ContentBody = "hello lake" });
            using var read = await s3.GetObjectAsync(lake.Bucket, "probe/hello.txt");
            Assert.Equal("hello lake", await new StreamReader(read.ResponseStream).ReadToEndAsync());
        }

        // Stop: nothing the AppHost started survives it, and no port stays open.
        var processes = host.Descendants().Concat(state.Resources.SelectMany(r => r.ProcessIds)).Distinct().ToList();
        var ports = state.Resources.SelectMany(r => r.Ports).ToList();
        Assert.True(processes.Count >= 5, $"expected postgres, moto and three services among {string.Join(",", processes)}");
        Assert.Equal(0, await host.StopAsync());
        await Task.Delay(500);
        var survivors = processes.Where(ProcessRunner.IsAlive).Select(p => $"{p}: {CommandLine(p)}").ToList();
        Assert.True(survivors.Count == 0, "still running: " + string.Join("; ", survivors));
        Assert.DoesNotContain(ports, FreePort.IsListening);
        Assert.False(File.Exists(Path.Combine(_data, "apphost.json")));
    }

    [Fact]
    public async Task A_restart_reuses_the_postgres_data_directory()
    {
        var (first, state) = await AppHostProcess.StartAsync(_data);
        await using (first)
        {
            await ExecuteAsync(state["postgres"].ConnectionString!, "CREATE TABLE restart_marker (note text); INSERT INTO restart_marker VALUES ('kept')");
            Assert.Equal(0, await first.StopAsync());
        }

        var (second, again) = await AppHostProcess.StartAsync(_data);
        await using (second)
        {
            await using var connection = new NpgsqlConnection(again["postgres"].ConnectionString);
            await connection.OpenAsync();
            await using var read = new NpgsqlCommand("SELECT note FROM restart_marker", connection);
            Assert.Equal("kept", await read.ExecuteScalarAsync());
            Assert.Equal(0, await second.StopAsync());
        }
    }

    [Fact]
    public async Task A_configured_postgres_connection_string_is_used_and_no_local_cluster_is_started()
    {
        var external = await externalPostgres.CreateDatabaseAsync("external");
        var (host, state) = await AppHostProcess.StartAsync(_data, $"--ConnectionStrings:postgres={external}");
        await using var _ = host;

        Assert.True(state["postgres"].External);
        Assert.Equal(external, state["postgres"].ConnectionString);
        Assert.Empty(state["postgres"].ProcessIds);
        Assert.False(Directory.Exists(Path.Combine(_data, "postgres")), "a local cluster directory was created");
        var heartbeats = await EventuallyAsync(() => CountHeartbeatsAsync(external), n => n > 0, TimeSpan.FromSeconds(45));
        Assert.True(heartbeats > 0, "workers did not write to the external database");
        Assert.Equal(0, await host.StopAsync());
    }

    static string CommandLine(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' '); }
        catch (IOException) { return "?"; }
    }

    static Task<long> CountHeartbeatsAsync(string connectionString) => CountAsync(connectionString, "SELECT count(*) FROM pipeline.heartbeats");

    /// <summary>Runs a count query; 0 while Workers have not created the pipeline schema yet.</summary>
    internal static async Task<long> CountAsync(string connectionString, string countQuery)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var count = new NpgsqlCommand(countQuery, connection);
            return (long)(await count.ExecuteScalarAsync())!;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return 0;
        }
    }

    static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    internal static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var value = await read();
        while (!done(value) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
            value = await read();
        }
        return value;
    }

    // Traversable by the postgres user, which runs the server when the tests run as root.
    internal static string DataDirectory()
    {
        var directory = Directory.CreateTempSubdirectory("apphost.");
        directory.UnixFileMode |= UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return directory.FullName;
    }

    public void Dispose() => Directory.Delete(_data, recursive: true);
}
