namespace Workers.Ingestion; // PROFILE-TEMP

static class ProfileLog // PROFILE-TEMP
{
    static readonly object Gate = new();
    public static void Write(string line) { lock (Gate) File.AppendAllText("/tmp/exact-profile.log", $"{Environment.ProcessId} {DateTime.UtcNow:HH:mm:ss.fff} {line}\n"); }
}
