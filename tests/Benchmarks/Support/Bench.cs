using System.Globalization;

namespace Benchmarks.Support;

/// <summary>Command-line options and the statistics every suite prints.</summary>
public static class Bench
{
    /// <summary>The integer after <paramref name="name"/> (e.g. <c>--runs 3</c>), or <paramref name="fallback"/>.</summary>
    public static long Option(string[] args, string name, long fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? long.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }

    public static int Option(string[] args, string name, int fallback) => (int)Option(args, name, (long)fallback);

    /// <summary>The text after <paramref name="name"/>, or <paramref name="fallback"/>.</summary>
    public static string Option(string[] args, string name, string fallback) =>
        Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;

    /// <summary>The upper median (the middle value of an odd count), as the suites have always reported it.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    /// <summary>Nearest-rank percentile, <paramref name="p"/> in [0, 1].</summary>
    public static double Percentile(IReadOnlyCollection<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}

/// <summary>Latencies of one measured thing, in milliseconds.</summary>
public sealed record Latencies(IReadOnlyList<double> Milliseconds)
{
    public double P50 => Bench.Percentile(Milliseconds, 0.50);
    public double P95 => Bench.Percentile(Milliseconds, 0.95);
    public double Max => Milliseconds.Max();

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"p50 {P50,7:F1} ms, p95 {P95,7:F1} ms, max {Max,7:F1} ms (n={Milliseconds.Count})");
}
