using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Reflection;
using LocalServers;
using TestSupport;

namespace Feeds.Tests;

public sealed class TradeFeedLifecycleTests : IDisposable
{
    readonly KafkaFixture _kafka = new();

    [Theory]
    [InlineData("TradeFeed__File", "/nonexistent/trades.csv", "error: TradeFeed:File /nonexistent/trades.csv is not a usable trades file: cannot read /nonexistent/trades.csv")]
    [InlineData("TradeFeed__Day", "2023-13-45", "error: TradeFeed:Day '2023-13-45' is not a date as yyyy-MM-dd")]
    [InlineData("TradeFeed__Speed", "0", "error: TradeFeed:Speed '0' is not a number greater than 0 (1 = real time)")]
    [InlineData("TradeFeed__Area", "XX", "error: TradeFeed:Area 'XX' is not one of FR, DE, NL, BE, AT")]
    public async Task Bad_configuration_stops_feeds_with_a_message_naming_the_setting(string key, string value, string message)
    {
        var (exitCode, output) = await RunUntilExitAsync(new() { [key] = value, ["TradeFeed__Port"] = "0" });

        Assert.True(exitCode != 0, $"Feeds exited with 0:\n{output}");
        Assert.Contains(message, output);
    }

    [Fact]
    public async Task A_file_that_is_not_a_trades_csv_stops_feeds_with_the_line_at_fault()
    {
        var path = Path.Combine(Path.GetTempPath(), $"feeds-test-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(path, "# not trades\nid,name\n1,x\n");
        try
        {
            var (exitCode, output) = await RunUntilExitAsync(new() { ["TradeFeed__File"] = path, ["TradeFeed__Port"] = "0" });

            Assert.True(exitCode != 0, $"Feeds exited with 0:\n{output}");
            Assert.Contains($"error: TradeFeed:File {path} is not a usable trades file: line 2: unknown column 'id' in the header", output);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_busy_feed_port_stops_feeds_with_a_message_naming_the_port()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;

        var (exitCode, output) = await RunUntilExitAsync(new() { ["TradeFeed__Port"] = port.ToString(), ["TradeFeed__Intensity"] = "0.05" });

        Assert.True(exitCode != 0, $"Feeds exited with 0:\n{output}");
        Assert.Contains($"error: TradeFeed:Port {port} cannot be used on 127.0.0.1", output);
    }

    [Fact]
    public async Task Stopping_feeds_closes_open_feed_connections_with_going_away()
    {
        var feeds = await ServiceProcess.StartAsync("Feeds", new Dictionary<string, string>
        {
            ["ConnectionStrings__kafka"] = _kafka.BootstrapServers,
            ["TradeFeed__Port"] = "0",
            ["TradeFeed__Intensity"] = "0.05",
            ["TradeFeed__Speed"] = "1",
        });
        using var socket = await TradeFeedClient.ConnectAsync(feeds);
        var history = (await TradeFeedClient.DiscoverAsync(feeds)).GetProperty("historyCount").GetInt32();
        var reading = TradeFeedClient.ReadToCloseAsync(socket, TimeSpan.FromSeconds(30));
        await Task.Delay(500);

        var stopping = Stopwatch.StartNew();
        await feeds.DisposeAsync();
        var replay = await reading;

        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, replay.CloseStatus);
        Assert.Equal("server shutting down", replay.CloseDescription);
        Assert.InRange(replay.Messages.Count, history, history + 50);
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(5), $"stopping took {stopping.Elapsed}");
        Assert.Contains("ServerStopping", feeds.Output);
    }

    /// <summary>Runs Feeds to its exit (as <see cref="ServiceProcess"/> starts it), with all of its output.</summary>
    async Task<(int ExitCode, string Output)> RunUntilExitAsync(Dictionary<string, string> environment)
    {
        var configuration = typeof(TradeFeedLifecycleTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.Combine(ServiceProcess.RepositoryRoot, "Feeds"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(ServiceProcess.RepositoryRoot, "Feeds", "bin", configuration, "net10.0", "Feeds.dll"));
        psi.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePort.Next()}";
        psi.Environment["ConnectionStrings__kafka"] = _kafka.BootstrapServers;
        foreach (var (key, value) in environment) psi.Environment[key] = value;
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    public void Dispose() => _kafka.Dispose();
}
