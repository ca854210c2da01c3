using System.Diagnostics;

namespace LocalServers;

/// <summary>
/// moto's S3-compatible server (preinstalled with pyenv's Python 3.11 here). Objects live in its memory only:
/// the lake is a published copy, reproducible from PostgreSQL by re-running an export.
/// </summary>
public sealed class MotoS3Server(int port) : IAsyncDisposable
{
    static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
    Process? _process;

    public int Port { get; } = port;
    public string Endpoint => $"http://127.0.0.1:{Port}";
    public int? ProcessId => _process?.Id;

    /// <summary>The S3 connection string our services understand (see ServiceDefaults' lake conventions).</summary>
    public string ConnectionString(string bucket) => $"Endpoint={Endpoint};Region=us-east-1;AccessKey=local;SecretKey=local;Bucket={bucket}";

    public static string Executable()
    {
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".pyenv/shims"))
            .Select(dir => Path.Combine(dir, "moto_server"));
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new MissingPrerequisiteException("moto_server not found: moto with its server extras is preinstalled in pyenv's Python 3.11 on these machines (`pip install 'moto[server]'` elsewhere)");
    }

    /// <summary>
    /// Environment for moto_server that keeps the health checks' access-log lines out of its console
    /// (<c>Moto/sitecustomize.py</c> beside this assembly, on PYTHONPATH).
    /// </summary>
    public static KeyValuePair<string, string> QuietEnvironment()
    {
        var hook = Path.Combine(AppContext.BaseDirectory, "Moto");
        var inherited = Environment.GetEnvironmentVariable("PYTHONPATH");
        return new("PYTHONPATH", string.IsNullOrEmpty(inherited) ? hook : $"{hook}:{inherited}");
    }

    /// <summary>Starts the server, waits until it answers, and creates the buckets.</summary>
    public async Task StartAsync(IEnumerable<string> buckets, Action<string>? output = null, CancellationToken ct = default)
    {
        var psi = new ProcessStartInfo(Executable()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-H", "127.0.0.1", "-p", Port.ToString() }) psi.ArgumentList.Add(a);
        var (key, value) = QuietEnvironment();
        psi.Environment[key] = value;
        _process = Process.Start(ProcessRunner.InOwnSession(psi)) ?? throw new InvalidOperationException("could not start moto_server");
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) output?.Invoke(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output?.Invoke(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await IsHealthyAsync(ct))
        {
            if (_process.HasExited) throw new InvalidOperationException($"moto_server exited with code {_process.ExitCode} while starting on port {Port}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"moto_server did not answer on {Endpoint} within 30 s");
            await Task.Delay(100, ct);
        }
        foreach (var bucket in buckets)
        {
            // moto accepts unsigned requests; creating an existing bucket is answered 200/409, both fine.
            using var response = await Http.PutAsync($"{Endpoint}/{bucket}", null, ct);
            if (!response.IsSuccessStatusCode && (int)response.StatusCode != 409)
                throw new InvalidOperationException($"creating bucket {bucket} on {Endpoint} failed: {(int)response.StatusCode}");
        }
    }

    public async Task<bool> IsHealthyAsync(CancellationToken ct = default)
    {
        try
        {
            using var response = await Http.GetAsync(Endpoint + "/", ct);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is null) return;
        await ProcessRunner.StopAsync(_process, TimeSpan.FromSeconds(5));
        _process.Dispose();
        _process = null;
    }
}
