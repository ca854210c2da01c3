using System.Globalization;
using Meters.Capture;
using Meters.Storage;
using Npgsql;
using Web.Meters;

namespace AnalysisReport;

/// <summary>
/// Meters: the recorded Spark capture (real data, tests/Meters.Tests/Data) imported into <c>meters.raw_records</c> as
/// <c>pipeline meters import</c> does, then one meter workflow run over its day (<c>POST /api/meters/runs</c>: process,
/// clean, check, export); the figures are read back from Web's API.
/// </summary>
static class MetersReport
{
    public const string Capture = "tests/Meters.Tests/Data/consumer_data.snappy.parquet";
    static readonly DateTime CaptureDay = new(2024, 5, 23, 0, 0, 0, DateTimeKind.Utc);
    static readonly TimeSpan GridInterval = TimeSpan.FromSeconds(10);

    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static async Task<string> WriteAsync(RunningPipeline pipeline, string repository, string figures)
    {
        var records = await ParquetCapture.ReadAsync(Path.Combine(repository, Capture));
        await using (var connection = new NpgsqlConnection(pipeline.Postgres))
        {
            await connection.OpenAsync();
            await using var tx = await connection.BeginTransactionAsync();
            await RawRecordStore.StoreAsync(connection, tx, "import:" + Path.GetFileName(Capture), records, CancellationToken.None);
            await tx.CommitAsync();
        }
        var started = await pipeline.PostJsonAsync<MeterRunStarted>("/api/meters/runs", new { from = CaptureDay, to = CaptureDay.AddDays(1) });
        await pipeline.Temporal.GetWorkflowHandle(started.WorkflowId).GetResultAsync();
        pipeline.Log($"meters: run {started.WorkflowId} completed");

        var run = (await pipeline.AllAsync<MeterRunRow>("/api/meters/runs", pageSize: 200)).Single(r => r.RunId == started.WorkflowId);
        var checks = (await pipeline.GetAsync<Web.Api.Listed<MeterCheckRow>>($"/api/meters/runs/{started.WorkflowId}/checks")).Items;
        var series = (await pipeline.GetAsync<Web.Api.Listed<MeterSeriesRow>>("/api/meters/series")).Items.Where(s => s.First is not null).Select(s =>
        {
            var span = (s.Last!.Value - s.First!.Value).Ticks / GridInterval.Ticks + 1;
            return (Name: $"{s.DeviceId}/{s.SignalName}", First: s.First.Value, Last: s.Last.Value, Span: span,
                Before: (double)s.Measured / span, After: (double)s.Points / span, s.Filled, Open: span - s.Points);
        }).OrderBy(s => s.Name, StringComparer.Ordinal).ToList();

        var plot = Charts.Create("Meter series: share of the 10 s grid with a value", "", "completeness");
        var positions = series.Select((_, i) => (double)i).ToArray();
        var before = plot.Add.Bars(positions.Select(p => p - 0.2).ToArray(), series.Select(s => s.Before).ToArray());
        before.LegendText = "as received";
        var after = plot.Add.Bars(positions.Select(p => p + 0.2).ToArray(), series.Select(s => s.After).ToArray());
        after.LegendText = "after cleaning";
        foreach (var bar in before.Bars.Concat(after.Bars)) bar.Size = 0.38;
        plot.Axes.Bottom.SetTicks(positions, [.. series.Select(s => s.Name)]);
        plot.Axes.SetLimitsY(0, 1.1);
        plot.ShowLegend();

        var rows = series.Select(s => string.Create(Invariant,
            $"| {s.Name} | {s.First:HH:mm:ss}–{s.Last:HH:mm:ss} | {s.Span:N0} | {s.Before:P1} | {s.After:P1} | {s.Filled:N0} | {s.Open:N0} |"));
        var failed = checks.Where(c => !c.Passed).Select(c => $"- {c.Severity}: `{c.Check}`{(c.Series is null ? "" : " " + c.Series)}: {c.Message}").ToList();
        return string.Create(Invariant, $"""
            ## Meters: the recorded capture, before and after cleaning

            **Data: recorded.** `{Capture}` is a real Spark capture of the meter topic ({records.Count:N0} Kafka records,
            2024-05-23), imported into `meters.raw_records` with its own topic, partitions and offsets (what
            `pipeline meters import` does). One meter workflow run over the day (`POST /api/meters/runs`, run
            `{run.RunId}`, status {run.Status}) processed {run.Records:N0} records: {run.Measurements:N0} measurements of the
            pipeline's series, {run.Unknown:N0} of series it does not know (the capture starts with test traffic) and
            {run.Quarantined:N0} quarantined with a reason; it exported {run.ExportedFiles} Parquet files to the lake
            (`meters/{"{raw,processed,cleaned}"}/day=…/device=…/`). Cleaning puts each series on the 10-second grid and fills gaps
            (linear for continuous signals, forward fill for counters; gaps beyond the configured maximum stay open and are
            reported). The live meter producer was off for this run, so these series hold the capture only.

            {Charts.Save(plot, figures, "meter-completeness", "Per series: share of grid points with a value, as received and after cleaning")}

            | series | span (UTC) | grid points | as received | after cleaning | filled | left open |
            |---|---|---|---|---|---|---|
            {string.Join('\n', rows)}

            Checks of the run that did not pass (`/api/meters/runs/{run.RunId}/checks`):
            {(failed.Count == 0 ? "- none" : string.Join('\n', failed))}

            """);
    }
}
