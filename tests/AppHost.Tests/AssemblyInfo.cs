// The AppHost and its servers run on Linux only (Debian packages, /proc, POSIX signals).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
