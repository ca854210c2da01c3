namespace Deploy.Tests;

/// <summary>A broken rule, named so that a reader finds it: the file, the thing in it (a resource, a stage, a service), what is wrong.</summary>
public sealed record Violation(string File, string Subject, string Problem)
{
    public override string ToString() => $"{File}: {Subject}: {Problem}";
}

static class Violations
{
    /// <summary>Fails with every violation on its own line, in full (xunit's collection messages cut them short).</summary>
    public static void AssertNone(IEnumerable<Violation> violations)
    {
        var found = violations.Select(v => v.ToString()).ToList();
        Assert.True(found.Count == 0, $"{found.Count} violation(s):\n" + string.Join('\n', found));
    }
}
