using System.Runtime.InteropServices;

namespace ServiceDefaults.Kafka;

/// <summary>
/// Points Confluent.Kafka at Debian's librdkafka1: the mirror has no librdkafka.redist, and the client's own
/// <c>Library.Load(path)</c> fails on Debian 12 because it looks for an unversioned libdl.
/// </summary>
public static class KafkaNative
{
    public const string LibraryPath = "/usr/lib/x86_64-linux-gnu/librdkafka.so.1";
    static int _loaded;

    public static void EnsureLoaded()
    {
        if (Interlocked.Exchange(ref _loaded, 1) == 1) return;
        NativeLibrary.SetDllImportResolver(typeof(Confluent.Kafka.Library).Assembly, (name, _, _) => name switch
        {
            "librdkafka" => NativeLibrary.Load(File.Exists(LibraryPath) ? LibraryPath : "librdkafka.so.1"),
            "libdl" => NativeLibrary.Load("libdl.so.2"),
            _ => IntPtr.Zero,
        });
    }
}
