using System.Runtime.InteropServices;

namespace LocalServers;

/// <summary>
/// The librdkafka file Confluent.Kafka itself loaded, for our own P/Invokes into it. The client chooses among the
/// files librdkafka.redist ships: on Debian the main <c>librdkafka.so</c> needs libsasl2.so.3, so it falls back to
/// the bundled <c>centos8-librdkafka.so</c>. Binding by name would pick the main file and fail, and a second copy
/// would be a second librdkafka in the process, so the file is found among the process's mappings instead.
/// </summary>
static class Librdkafka
{
    public const string Name = "librdkafka";
    static readonly Lazy<IntPtr> Handle = new(Load);

    static Librdkafka() =>
        NativeLibrary.SetDllImportResolver(typeof(Librdkafka).Assembly, (name, _, _) => name == Name ? Handle.Value : IntPtr.Zero);

    /// <summary>Throws <see cref="MissingPrerequisiteException"/> when librdkafka cannot be loaded.</summary>
    public static void EnsureLoaded() => _ = Handle.Value;

    static IntPtr Load()
    {
        try
        {
            _ = Confluent.Kafka.Library.Version;
        }
        catch (Exception e) when (e is DllNotFoundException or InvalidOperationException)
        {
            throw new MissingPrerequisiteException($"librdkafka (NuGet package librdkafka.redist) could not be loaded: {e.Message}");
        }
        var path = LoadedFile() ?? throw new MissingPrerequisiteException("Confluent.Kafka loaded librdkafka, but no librdkafka file is mapped in /proc/self/maps");
        return NativeLibrary.Load(path);
    }

    /// <summary>The mapped file whose name contains "librdkafka" (the 6th field of a /proc/self/maps line is the path).</summary>
    static string? LoadedFile() =>
        File.ReadLines("/proc/self/maps")
            .Select(line => line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length == 6)
            .Select(fields => fields[5].Trim())
            .FirstOrDefault(path => Path.GetFileName(path).Contains("librdkafka", StringComparison.Ordinal));
}
