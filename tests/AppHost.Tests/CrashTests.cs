using System.Net.Http.Json;
using System.Text.Json;
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

        // The restarted broker is empty while the stored positions point past its end: one line per consumer explains the
        // offset resets and one per topic says it was recreated, not one each per partition (17 before).
        using var dashboard = new HttpClient { BaseAddress = second.DashboardUrl, Timeout = TimeSpan.FromSeconds(30) };
        var warnings = await PipelineRuns.EventuallyAsync(() => WarningsAsync(dashboard, "workers"),
            w => w.Any(m => m.Contains("the topic was recreated", StringComparison.Ordinal)), TimeSpan.FromSeconds(60));
        var resets = warnings.Where(m => m.Contains("Offset out of range", StringComparison.Ordinal)).ToList();
        var clients = resets.Select(m => m.Split(' ')[0].TrimEnd(':')).Distinct().Count(); // librdkafka's client name comes first
        Assert.True(resets.Count >= 1 && resets.Count == clients, $"{resets.Count} offset-reset warnings from {clients} clients:\n{string.Join("\n", warnings)}");
        var recreated = warnings.Where(m => m.Contains("the topic was recreated", StringComparison.Ordinal)).ToList();
        Assert.Equal(recreated.Count, recreated.Select(m => m.Split('[')[0]).Distinct().Count());
    }

    /// <summary>A service's warnings and worse, from the dashboard's structured logs (<c>/api/telemetry/logs</c>, OTLP JSON).</summary>
    static async Task<List<string>> WarningsAsync(HttpClient dashboard, string service)
    {
        using var response = await dashboard.GetAsync($"/api/telemetry/logs?resource={service}&severity=Warning&limit=1000");
        if (!response.IsSuccessStatusCode) return [];
        var data = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data");
        return data.GetProperty("resourceLogs").EnumerateArray()
            .SelectMany(r => r.GetProperty("scopeLogs").EnumerateArray())
            .SelectMany(s => s.GetProperty("logRecords").EnumerateArray())
            .Select(l => l.GetProperty("body").GetProperty("stringValue").GetString() ?? "")
            .ToList();
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
