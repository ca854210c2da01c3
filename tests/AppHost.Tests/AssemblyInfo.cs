// The AppHost and its servers run on Linux only (Debian packages, /proc, POSIX signals).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
// One whole graph at a time: each is a dozen processes, and the machine has two cores.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
