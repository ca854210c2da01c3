using System.Diagnostics;

namespace AppHost.Tests;

public sealed class PrerequisiteTests : IDisposable
{
    readonly string _data = AppHostTests.DataDirectory();
    readonly string _home = Directory.CreateTempSubdirectory("no-home.").FullName;

    [Fact]
    public async Task A_missing_prerequisite_is_named_in_one_line_with_how_to_install_it_and_the_exit_code_is_2()
    {
        // No pyenv shims on the PATH and a HOME without them: moto_server cannot be found.
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "AppHost.dll"), $"--DataDirectory={_data}", "--Resources:postgres:Port=0", "--Resources:kafka:Port=0" })
            psi.ArgumentList.Add(arg);
        psi.Environment["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin";
        psi.Environment["HOME"] = _home;
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));

        Assert.Equal(2, process.ExitCode);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("moto_server not found: ", line);
        Assert.Contains("pip install 'moto[server]'", line);
        Assert.Contains("[apphost] postgres stopped", await stdout); // what had started is stopped again
    }

    public void Dispose()
    {
        Directory.Delete(_data, recursive: true);
        Directory.Delete(_home, recursive: true);
    }
}
