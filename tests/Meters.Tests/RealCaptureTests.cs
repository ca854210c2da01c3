using Meters.Capture;
using Meters.Checks;
using Meters.Cleaning;

namespace Meters.Tests;

/// <summary>The real Spark capture (Data/PROVENANCE.md) through import, process, clean and check.</summary>
public sealed class RealCaptureTests
{
    static readonly string Capture = Path.Combine(AppContext.BaseDirectory, "Data", "consumer_data.snappy.parquet");

    [Fact]
    public async Task Importing_the_capture_gives_5851_raw_records_of_partition_0_offsets_0_to_5850()
    {
        var records = await ParquetCapture.ReadAsync(Capture);

        Assert.Equal(5_851, records.Count);
        Assert.Equal(Enumerable.Range(0, 5_851).Select(i => (long)i), records.Select(r => r.Offset));
        Assert.All(records, r => Assert.Equal(0, r.Partition));
        Assert.All(records, r => Assert.Null(r.Key));
        Assert.All(records, r => Assert.Equal(KafkaTimestampType.CreateTime, r.TimestampType));
        Assert.Equal(new DateTime(2024, 5, 23, 10, 41, 15, 989, DateTimeKind.Utc), records[^1].Timestamp);
    }

    [Fact]
    public async Task Processing_isolates_the_2653_junk_rows_as_an_unknown_series_and_counts_each_real_series()
    {
        var run = MeterRun.Execute(await ParquetCapture.ReadAsync(Capture), new MeterOptions());

        Assert.Empty(run.Processed.Quarantined);
        Assert.Equal(2_653, run.Processed.Unknown.Count);
        Assert.All(run.Processed.Unknown, m => Assert.Equal(new MeterSeriesKey("device123", "signalX"), m.Series));
        Assert.Equal(2_652, run.Processed.Unknown.Max(m => m.Offset));
        var counts = run.Processed.Known.GroupBy(m => m.Series.ToString()).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(817, counts["device1/energy export"]);
        Assert.Equal(805, counts["device1/energy import"]);
        Assert.Equal(790, counts["device2/energy export"]);
        Assert.Equal(786, counts["device2/energy import"]);
        var unknown = Assert.Single(run.Checks, c => c.Check == MeterCheckNames.UnknownSeries);
        Assert.Equal((false, 2_653L, "device123/signalX"), (unknown.Passed, unknown.Count, unknown.Series));
    }

    [Fact]
    public async Task Cleaning_gives_a_gap_free_10_s_grid_per_series_with_filled_rows_flagged_and_no_duplicates()
    {
        var run = MeterRun.Execute(await ParquetCapture.ReadAsync(Capture), new MeterOptions());

        Assert.Equal(4, run.Series.Count);
        foreach (var series in run.Series)
        {
            var ticks = series.Ticks.ToArray();
            Assert.Empty(series.UnfilledGaps); // the capture's longest gap is 140 s, under the 300 s maximum
            Assert.All(ticks.Zip(ticks.Skip(1)), p => Assert.Equal(TimeSpan.FromSeconds(10).Ticks, p.Second - p.First));
            Assert.All(ticks, t => Assert.Equal(0, (t - DateTime.UnixEpoch.Ticks) % TimeSpan.FromSeconds(10).Ticks));
            Assert.Equal(ticks.Length, ticks.Distinct().Count());
            var measured = run.Processed.Known.Where(m => m.Series == series.Series).ToList();
            Assert.Equal(measured.Count, series.MeasuredCount);
            // no extrapolation: the grid starts and ends at the first and last observation's grid point
            Assert.Equal(Snap(measured.Min(m => m.TMeasurement)), series.Timestamp(0));
            Assert.Equal(Snap(measured.Max(m => m.TMeasurement)), series.Timestamp(series.Count - 1));
            var methods = series.Methods.ToArray();
            var offsets = series.Offsets.ToArray();
            Assert.All(Enumerable.Range(0, series.Count).Where(i => methods[i] != FillMethod.Measured), i => Assert.Equal(FillMethod.Linear, methods[i]));
            Assert.Equal(measured.Select(m => m.Offset).Order(), Enumerable.Range(0, series.Count).Where(i => methods[i] == FillMethod.Measured).Select(i => offsets[i]).Order());
        }
        Assert.Equal([1_273, 1_273, 1_273, 1_272], run.Series.Select(s => s.Count));
        Assert.False(run.Failed);
        Assert.All(run.Checks.Where(c => c.Series is not null && c.Series != "device123/signalX" && c.Check != MeterCheckNames.Completeness), c => Assert.True(c.Passed, c.Message));
    }

    [Fact]
    public void The_format_example_parses_its_string_timestamps_and_fails_the_range_check()
    {
        var records = JsonLinesCapture.Read(Path.Combine(AppContext.BaseDirectory, "Data", "measurement_values.json"));

        var run = MeterRun.Execute(records, new MeterOptions());

        Assert.Equal(4, records.Count);
        Assert.Equal(4, run.Processed.Known.Count);
        Assert.All(run.Processed.Known, m => Assert.Equal(new DateTime(2024, 5, 22, 9, 14, 6, DateTimeKind.Utc).AddTicks(7_349_110), m.TMeasurement));
        Assert.Equal(4, run.Checks.Count(c => c.Check == MeterCheckNames.ValueRange && !c.Passed));
        Assert.True(run.Failed);
    }

    static DateTime Snap(DateTime t) => DateTime.UnixEpoch.AddTicks((long)Math.Round((t - DateTime.UnixEpoch).Ticks / 1e8, MidpointRounding.AwayFromZero) * 100_000_000);
}
