using LocalServers;

namespace AppHost.Tests;

/// <summary>A start the AppHost refuses: one line on stderr naming what is wrong, exit code 2, nothing started.</summary>
public sealed class BadInputTests : IDisposable
{
    readonly string _data = PipelineRuns.NewDataDirectory();
    readonly string _home = Directory.CreateTempSubdirectory("no-home.").FullName;

    [Fact]
    public async Task An_unreachable_external_connection_string_names_the_resource_and_the_reason_and_exits_non_zero()
    {
        var closedPort = FreePort.Next();
        var (exitCode, errors) = await AppHostProcess.RunToExitAsync(
            [$"--DataDirectory={_data}", $"--ConnectionStrings:postgres=Host=127.0.0.1;Port={closedPort};Username=pipeline;Database=pipeline"],
            new Dictionary<string, string>());

        Assert.Equal(2, exitCode);
        var line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("postgres: ConnectionStrings:postgres cannot be reached: ", line);
        Assert.Contains($"127.0.0.1:{closedPort}", line);
        Assert.False(Directory.Exists(Path.Combine(_data, "postgres")), "a local cluster was created for an external resource");
    }

    [Fact]
    public async Task A_missing_prerequisite_is_one_line_naming_the_package_and_the_exit_code_is_2()
    {
        // No pyenv shims on the PATH and a HOME without them: moto_server cannot be found.
        var (exitCode, errors) = await AppHostProcess.RunToExitAsync([$"--DataDirectory={_data}"],
            new Dictionary<string, string> { ["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin", ["HOME"] = _home });

        Assert.Equal(2, exitCode);
        var line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("moto_server not found: ", line);
        Assert.Contains("pip install 'moto[server]'", line);
    }

    public void Dispose()
    {
        Directory.Delete(_data, recursive: true);
        Directory.Delete(_home, recursive: true);
    }
}
