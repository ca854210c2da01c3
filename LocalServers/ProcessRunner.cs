using System.Diagnostics;
using System.Runtime.InteropServices;

namespace LocalServers;

/// <summary>Runs short-lived commands and signals long-lived ones.</summary>
public static partial class ProcessRunner
{
    public static bool IsRoot => Environment.UserName == "root";

    /// <summary>Runs a command to completion and returns its standard output; a non-zero exit throws with both streams.</summary>
    public static async Task<string> RunAsync(string fileName, IEnumerable<string> arguments, CancellationToken ct = default)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {fileName}");
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        if (p.ExitCode != 0)
            throw new InvalidOperationException(
                $"{fileName} {string.Join(' ', psi.ArgumentList)} exited with {p.ExitCode}: {(await stderr).Trim()} {(await stdout).Trim()}".Trim());
        return await stdout;
    }

    /// <summary>
    /// Starts a long-lived server in its own session (<c>setsid</c>), so a Ctrl+C in the launcher's terminal reaches
    /// only the launcher, which then stops its children in order. setsid execs in place: the process id is kept.
    /// </summary>
    public static ProcessStartInfo InOwnSession(ProcessStartInfo psi)
    {
        psi.ArgumentList.Insert(0, psi.FileName);
        psi.FileName = "setsid";
        return psi;
    }

    /// <summary>
    /// Stops a process the polite way: SIGTERM, then, if it has not exited within <paramref name="grace"/>, SIGKILL for
    /// it and everything it started.
    /// </summary>
    public static async Task StopAsync(Process process, TimeSpan grace)
    {
        if (process.HasExited) return;
        Terminate(process.Id);
        using var timeout = new CancellationTokenSource(grace);
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>Sends SIGTERM so the process can shut down cleanly (Process.Kill only sends SIGKILL).</summary>
    public static void Terminate(int pid) => _ = Kill(pid, 15);

    /// <summary>True when a process with this id runs: it exists and is not a zombie waiting to be reaped.</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2] != 'Z';
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
