using System.Diagnostics;
using Benchmarks.Support;
using Meters;
using Meters.Cleaning;
using Meters.Generation;

namespace Meters.Benchmarks;

/// <summary>
/// SeriesCleaner over one year of the producer's four series (10 s grid: 3,153,600 points each, ~12.6M in all; half
/// the measurements dropped, ±2 s jitter), against a baseline measured in the same run: sorting the same observations
/// (the cleaner sorts them first, so this is a floor). Usage: benchmarks meters-cleaning [--days 365] [--runs 3]
/// </summary>
public static class CleaningBenchmark
{
    public static Task<int> RunAsync(string[] args)
    {
        var days = Bench.Option(args, "--days", 365);
        var runs = Bench.Option(args, "--runs", 3);
        var options = new MeterOptions();
        var feed = new MeterFeedOptions { Jitter = TimeSpan.FromSeconds(2) };
        var first = MeterGenerator.TickAtOrBefore(new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc), feed.Interval);
        var ticks = days * 8_640L;
        var observations = options.Series.ToDictionary(s => s.Key, _ => new List<Observation>((int)(ticks / 2 + ticks / 10)));
        long offset = 0;
        for (var tick = first; tick < first + ticks; tick++)
            foreach (var m in MeterGenerator.At(tick, feed))
                observations[new MeterSeriesKey(m.DeviceId, m.SignalName)].Add(new Observation(DateTime.UnixEpoch.AddSeconds(m.TMeasurement).Ticks, m.Value, offset++));
        Console.WriteLine($"meters-cleaning: {days} days × {options.Series.Count} series, {offset:N0} observations, {runs} run(s), {Environment.ProcessorCount} cores");

        var clean = new List<double>();
        var sort = new List<double>();
        long points = 0;
        for (var run = 1; run <= runs; run++)
        {
            var inputs = options.Series.Select(s => observations[s.Key].ToArray()).ToList();
            var clock = Stopwatch.StartNew();
            points = 0;
            foreach (var (series, input) in options.Series.Zip(inputs)) points += SeriesCleaner.Clean(series.Key, input, series, options).Count;
            clean.Add(clock.Elapsed.TotalSeconds);

            var copies = options.Series.Select(s => observations[s.Key].ToArray()).ToList();
            clock.Restart();
            foreach (var copy in copies) Array.Sort(copy, static (a, b) => a.Ticks != b.Ticks ? a.Ticks.CompareTo(b.Ticks) : a.Offset.CompareTo(b.Offset));
            sort.Add(clock.Elapsed.TotalSeconds);
            Console.WriteLine($"run {run}: cleaned {points:N0} grid points in {clean[^1]:F2} s ({points / clean[^1]:N0} points/s); sort alone {sort[^1]:F2} s; ratio {clean[^1] / sort[^1]:F2}");
        }
        Console.WriteLine($"median: cleaning {Bench.Median(clean):F2} s ({points / Bench.Median(clean):N0} points/s), sort alone {Bench.Median(sort):F2} s, ratio {Bench.Median(clean) / Bench.Median(sort):F2}");
        return Task.FromResult(0);
    }
}
