using LocalServers;
using Npgsql;

namespace AppHost.Tests;

/// <summary>The AppHost killed outright: DCP, which watches it, takes the whole graph down; PostgreSQL's data survives.</summary>
public sealed class CrashTests : IDisposable
{
    readonly string _data = PipelineRuns.NewDataDirectory();

    [Fact]
    public async Task After_a_SIGKILL_of_the_AppHost_no_process_or_port_is_left_within_30_s_and_the_next_start_finds_the_data()
    {
        var first = await AppHostProcess.StartAsync(PipelineRuns.AppHostArguments(_data));
        await using (first)
        {
            await ExecuteAsync(first.Postgres, "CREATE TABLE crash_marker (note text); INSERT INTO crash_marker VALUES ('kept')");
            var processes = first.GraphProcesses();
            var ports = ListeningPorts(processes.Keys);
            Assert.True(processes.Count >= 9, "expected the AppHost, DCP, postgres, moto, the broker, TemporalServer and three services: " + string.Join("; ", processes.Values));
            var temporal = processes.Where(p => p.Value.Contains("TemporalServer", StringComparison.Ordinal)).Select(p => p.Key).ToList();
            Assert.True(ListeningPorts(temporal).Count >= 2, "TemporalServer should listen on its UI and gRPC ports: " + string.Join("; ", processes.Values));
            Assert.Contains(first.Urls["postgres"].Port, ports);
            Assert.Contains(first.Urls["web"].Port, ports);

            await first.KillAsync();
            var gone = await PipelineRuns.EventuallyAsync(() => Task.FromResult(AppHostProcess.StillRunning(processes).Count == 0 && !ports.Any(FreePort.IsListening)),
                done => done, TimeSpan.FromSeconds(30));
            Assert.True(gone, $"30 s after SIGKILL, still running: {string.Join("; ", AppHostProcess.StillRunning(processes))}; listening: {string.Join(", ", ports.Where(FreePort.IsListening))}");
        }

        await using var second = await AppHostProcess.StartAsync(PipelineRuns.AppHostArguments(_data));
        await using var connection = new NpgsqlConnection(second.Postgres);
        await connection.OpenAsync();
        await using var read = new NpgsqlCommand("SELECT note FROM crash_marker", connection);
        Assert.Equal("kept", await read.ExecuteScalarAsync());
        Assert.True(await PipelineRuns.CountAsync(second.Postgres, "SELECT count(*) FROM pipeline.trades") > 0, "the first run's trades are gone");
    }

    static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The TCP ports these processes listen on (ss names the owning process).</summary>
    static List<int> ListeningPorts(IEnumerable<int> pids)
    {
        var ss = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("ss", "-ltnpH") { RedirectStandardOutput = true })!;
        var lines = ss.StandardOutput.ReadToEnd().Split('\n');
        ss.WaitForExit();
        return lines.Where(line => pids.Any(pid => line.Contains($"pid={pid},", StringComparison.Ordinal)))
            .Select(line => int.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3].Split(':')[^1], System.Globalization.CultureInfo.InvariantCulture))
            .Distinct().ToList();
    }

    public void Dispose() => Directory.Delete(_data, recursive: true);
}
