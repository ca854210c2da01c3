using Npgsql;

namespace LocalServers;

/// <summary>
/// A private PostgreSQL cluster run from the Debian binaries: initdb on first start, reused afterwards.
/// PostgreSQL refuses to run as root, so as root every server command goes through <c>runuser -u postgres</c>
/// and the cluster directory is owned by that user.
/// </summary>
public sealed class PostgresCluster(string directory, int port, bool durable = true)
{
    public string Directory { get; } = Path.GetFullPath(directory);
    public int Port { get; } = port;
    public string DataDirectory => Path.Combine(Directory, "data");
    string LogFile => Path.Combine(Directory, "server.log");

    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = "postgres", Database = database }.ConnectionString;

    /// <summary>The postmaster's process id while the server runs (it is daemonised, so not our child).</summary>
    public int? PostmasterPid
    {
        get
        {
            var pidFile = Path.Combine(DataDirectory, "postmaster.pid");
            return File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var pid) ? pid : null;
        }
    }

    public static string BinDirectory()
    {
        var fromEnv = Environment.GetEnvironmentVariable("PG_BIN");
        if (!string.IsNullOrEmpty(fromEnv)) return fromEnv;
        const string root = "/usr/lib/postgresql";
        return (System.IO.Directory.Exists(root) ? System.IO.Directory.GetDirectories(root) : [])
            .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0)
            .Select(d => Path.Combine(d, "bin"))
            .FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")))
            ?? throw new MissingPrerequisiteException("PostgreSQL server binaries not found: install them with `apt-get install -y postgresql`");
    }

    /// <summary>Creates the cluster directory (owned by the server's user) and runs initdb unless it holds a cluster already.</summary>
    public async Task InitializeAsync(CancellationToken ct = default)
    {
        System.IO.Directory.CreateDirectory(Directory);
        if (ProcessRunner.IsRoot) await ProcessRunner.RunAsync("chown", ["-R", "postgres:postgres", Directory], ct);
        if (File.Exists(Path.Combine(DataDirectory, "PG_VERSION"))) return;
        List<string> initdb = ["-D", DataDirectory, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"];
        if (!durable) initdb.Add("--no-sync");
        await RunServerCommandAsync(Path.Combine(BinDirectory(), "initdb"), initdb, ct);
    }

    /// <summary>Initialises the cluster if needed, starts it in the background (pg_ctl) and creates the databases.</summary>
    public async Task StartAsync(IEnumerable<string> databases, CancellationToken ct = default)
    {
        var bin = BinDirectory();
        await InitializeAsync(ct);

        // A server left running by a killed launcher holds the directory: stop it, then start with our settings.
        if (PostmasterPid is { } stale && ProcessRunner.IsAlive(stale)) await StopAsync(ct);

        var options = $"-p {Port} -k {Directory} -c listen_addresses=127.0.0.1 -c max_connections=200";
        if (!durable) options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
        await RunServerCommandAsync(Path.Combine(bin, "pg_ctl"), ["-D", DataDirectory, "-l", LogFile, "-w", "-t", "60", "-o", options, "start"], ct);

        await using var admin = new NpgsqlConnection(ConnectionString("postgres"));
        await admin.OpenAsync(ct);
        foreach (var database in databases)
        {
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", admin) { Parameters = { new() { Value = database } } };
            if (await exists.ExecuteScalarAsync(ct) is null)
            {
                // CREATE DATABASE takes no parameters; the name is quoted as an identifier.
                await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Replace("\"", "\"\"")}\"", admin);
                await create.ExecuteNonQueryAsync(ct);
            }
        }
    }

    public async Task StopAsync(CancellationToken ct = default)
    {
        if (!File.Exists(Path.Combine(DataDirectory, "postmaster.pid"))) return;
        await RunServerCommandAsync(Path.Combine(BinDirectory(), "pg_ctl"), ["-D", DataDirectory, "-m", "fast", "-w", "-t", "60", "stop"], ct);
    }

    public async Task<bool> IsHealthyAsync(CancellationToken ct = default)
    {
        try
        {
            await using var connection = new NpgsqlConnection(ConnectionString("postgres") + ";Pooling=false;Timeout=2");
            await connection.OpenAsync(ct);
            await using var ping = new NpgsqlCommand("SELECT 1", connection);
            return await ping.ExecuteScalarAsync(ct) is 1;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return false;
        }
    }

    // In its own session, so a Ctrl+C meant for the launcher does not reach the postmaster (SIGINT is its fast shutdown).
    static Task<string> RunServerCommandAsync(string exe, IReadOnlyList<string> args, CancellationToken ct) =>
        ProcessRunner.IsRoot
            ? ProcessRunner.RunAsync("setsid", ["runuser", "-u", "postgres", "--", exe, .. args], ct)
            : ProcessRunner.RunAsync("setsid", [exe, .. args], ct);
}
