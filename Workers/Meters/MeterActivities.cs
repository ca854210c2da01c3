using System.Text.Json;
using Meters;
using Meters.Checks;
using Meters.Cleaning;
using Meters.Lake;
using Meters.Processing;
using Meters.Storage;
using Npgsql;
using ServiceDefaults.Lake;
using Temporalio.Activities;
using Temporalio.Exceptions;
using Workflows;
using Workflows.Meters;

namespace Workers.Meters;

/// <summary>
/// The meter workflow's steps on PostgreSQL and the lake. Temporal runs each at least once, so each is idempotent for
/// its run: process records its outcome in the run's row in the transaction that stores the measurements, and a retry
/// returns that outcome; clean replaces the rows of its windows; check replaces the run's results; export overwrites
/// the partitions' objects (deterministic keys) and upserts their export rows.
/// </summary>
public sealed class MeterActivities(NpgsqlDataSource dataSource, Lake lake, MeterOptions options, IConfiguration configuration, TimeProvider time)
{
    /// <summary>The most raw records one run processes; the rest wait for the next run.</summary>
    int MaxRecordsPerRun => configuration.GetValue("Meters:Workflow:MaxRecordsPerRun", 1_000_000);

    [Activity]
    public async Task<MeterProcessOutcome> ProcessAsync(MeterPipelineRequest request, string runId)
    {
        var ct = ActivityExecutionContext.Current.CancellationToken;
        var requested = RequestedSeries(request);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        if (await MeterRunStore.BeginProcessAsync(connection, tx, runId, ct) is { } earlier)
            return JsonSerializer.Deserialize<MeterProcessOutcome>(earlier)!;

        var records = await MeasurementStore.ReadUnprocessedAsync(connection, tx, MaxRecordsPerRun, ct);
        var batch = MeterProcessing.Process(records, options);
        await MeasurementStore.StoreProcessedAsync(connection, tx, batch, runId, ct);

        var ranges = batch.Known.GroupBy(m => m.Series).Select(g => (g.Key, From: g.Min(m => m.TMeasurement), To: g.Max(m => m.TMeasurement)));
        if (request.From is { } from && request.To is { } to) ranges = ranges.Concat(requested.Select(s => (s.Key, from, to)));
        var windows = ranges.GroupBy(r => r.Key)
            .SelectMany(g => CleaningWindow.Merge(g.Select(r => (r.From, r.To))).Select(r => new SeriesWindow(g.Key.DeviceId, g.Key.SignalName, r.From, r.To)))
            .OrderBy(w => w.DeviceId, StringComparer.Ordinal).ThenBy(w => w.SignalName, StringComparer.Ordinal).ThenBy(w => w.From)
            .ToList();
        var outcome = new MeterProcessOutcome(runId, batch.Records, batch.Known.Count, batch.Unknown.Count, batch.Quarantined.Count, windows);
        await MeterRunStore.RecordProcessAsync(connection, tx, runId, batch.Records, batch.Known.Count, batch.Unknown.Count, batch.Quarantined.Count, JsonSerializer.Serialize(outcome), ct);
        await tx.CommitAsync(ct);
        return outcome;
    }

    IReadOnlyList<MeterSeriesOptions> RequestedSeries(MeterPipelineRequest request)
    {
        if ((request.From is null) != (request.To is null) || request.From > request.To)
            throw Invalid($"a range needs From <= To (got {request.From:O}..{request.To:O})");
        if (request.Series is not { Count: > 0 } names) return options.Series;
        return names.Select(name => options.Series.FirstOrDefault(s => s.Key.ToString() == name) ?? throw Invalid($"series '{name}' is not configured (configured: {string.Join(", ", options.Series.Select(s => s.Key))})")).ToList();
    }

    static ApplicationFailureException Invalid(string message) => new(message, errorType: WorkflowErrors.InvalidRequest, nonRetryable: true);

    /// <summary>Re-cleans each window's rows (<see cref="CleaningWindow"/>) in one transaction: delete, then write the cleaner's rows.</summary>
    [Activity]
    public async Task<MeterCleanOutcome> CleanAsync(MeterProcessOutcome processed)
    {
        var ct = ActivityExecutionContext.Current.CancellationToken;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        long points = 0, filled = 0;
        foreach (var (window, series) in Configured(processed.Windows))
        {
            var (cleaned, rows) = await CleanWindowAsync(connection, tx, window, series, ct);
            var (p, f) = await MeasurementStore.ReplaceCleanedAsync(connection, tx, cleaned, rows.RowsFrom, rows.RowsTo, processed.RunId, ct);
            points += p;
            filled += f;
        }
        await tx.CommitAsync(ct);
        return new MeterCleanOutcome(points, filled);
    }

    /// <summary>
    /// The checks of the run: the windows' measurements and their cleaning (computed again: cleaning is a pure
    /// function), the run's unknown-series measurements and quarantine. Results replace the run's; the run is marked.
    /// </summary>
    [Activity]
    public async Task<MeterCheckOutcome> CheckAsync(MeterProcessOutcome processed)
    {
        var ct = ActivityExecutionContext.Current.CancellationToken;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var known = new List<Measurement>();
        var cleaned = new List<CleanedSeries>();
        foreach (var group in Configured(processed.Windows).GroupBy(w => w.Series))
        {
            var observations = new List<Measurement>();
            foreach (var (window, series) in group)
            {
                known.AddRange(await MeasurementStore.ReadSeriesAsync(connection, null, series.Key, window.From, window.To, ct));
                var rows = CleaningWindow.Around(window.From, window.To, series, options);
                observations.AddRange(await MeasurementStore.ReadSeriesAsync(connection, null, series.Key, rows.ObservationsFrom, rows.ObservationsTo, ct));
            }
            cleaned.Add(SeriesCleaner.Clean(group.Key.Key, observations.DistinctBy(m => (m.Topic, m.Partition, m.Offset)).Select(ToObservation).ToArray(), group.Key, options));
        }
        var (unknown, quarantined) = await MeasurementStore.ReadRunRestAsync(connection, processed.RunId, ct);
        var checkedSeries = options with { Series = cleaned.Select(c => options.Find(c.Series)!).ToList() };
        var results = MeterChecks.Run(new ProcessedBatch(known, unknown, quarantined), cleaned, checkedSeries);

        await using var tx = await connection.BeginTransactionAsync(ct);
        await MeterRunStore.ReplaceChecksAsync(connection, tx, processed.RunId, results, ct);
        await tx.CommitAsync(ct);
        return new MeterCheckOutcome(results.Count, results.Count(r => !r.Passed), MeterChecks.Failed(results));
    }

    /// <summary>Per (UTC day, device) the windows' rows touch: raw, processed and cleaned Parquet and a manifest, uploaded under fixed keys.</summary>
    [Activity]
    public async Task<MeterExportOutcome> ExportAsync(MeterProcessOutcome processed)
    {
        var context = ActivityExecutionContext.Current;
        var ct = context.CancellationToken;
        var partitions = Configured(processed.Windows)
            .SelectMany(w => Days(CleaningWindow.Around(w.Window.From, w.Window.To, w.Series, options)).Select(day => (Day: day, w.Series.DeviceId)))
            .Distinct().OrderBy(p => p.Day).ThenBy(p => p.DeviceId, StringComparer.Ordinal).ToList();
        var manifests = new List<string>();
        var files = 0;
        foreach (var (partition, index) in partitions.Select((p, i) => (p, i)))
        {
            var staging = Path.Combine(Path.GetTempPath(), "meters-export", Guid.NewGuid().ToString("N"));
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(ct);
                var manifest = await MeterLakePartition.WriteAsync(connection, partition.Day, partition.DeviceId, processed.RunId, time.GetUtcNow().UtcDateTime, staging, ct);
                foreach (var file in manifest.Files) await lake.PutFileAsync(staging, file.Path, ct);
                var manifestKey = MeterLakePartition.ManifestKey(partition.Day, partition.DeviceId);
                await lake.PutFileAsync(staging, manifestKey, ct);
                await RecordExportAsync(connection, manifest, manifestKey, ct);
                manifests.Add(manifestKey);
                files += manifest.Files.Count;
            }
            finally
            {
                if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            }
            context.Heartbeat(index + 1);
        }
        await MeterRunStore.RecordExportAsync(dataSource, processed.RunId, files, ct);
        return new MeterExportOutcome(partitions.Count, files, manifests);
    }

    static async Task RecordExportAsync(NpgsqlConnection connection, MeterLakeManifest manifest, string key, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            INSERT INTO meters.exports (day, device_id, manifest_key, manifest, run_id) VALUES ($1, $2, $3, $4::jsonb, $5)
            ON CONFLICT (day, device_id) DO UPDATE SET manifest_key = excluded.manifest_key, manifest = excluded.manifest, run_id = excluded.run_id, exported_at = now()
            """, connection);
        command.Parameters.Add(new() { Value = manifest.Day });
        command.Parameters.Add(new() { Value = manifest.DeviceId });
        command.Parameters.Add(new() { Value = key });
        command.Parameters.Add(new() { Value = JsonSerializer.Serialize(manifest, MeterLakePartition.Json) });
        command.Parameters.Add(new() { Value = manifest.RunId });
        await command.ExecuteNonQueryAsync(ct);
    }

    static IEnumerable<DateOnly> Days(CleaningWindow window)
    {
        for (var day = DateOnly.FromDateTime(window.RowsFrom); day <= DateOnly.FromDateTime(window.RowsTo); day = day.AddDays(1)) yield return day;
    }

    async Task<(CleanedSeries Cleaned, CleaningWindow Rows)> CleanWindowAsync(NpgsqlConnection connection, NpgsqlTransaction tx, SeriesWindow window, MeterSeriesOptions series, CancellationToken ct)
    {
        var rows = CleaningWindow.Around(window.From, window.To, series, options);
        var observations = await MeasurementStore.ReadSeriesAsync(connection, tx, series.Key, rows.ObservationsFrom, rows.ObservationsTo, ct);
        return (SeriesCleaner.Clean(series.Key, observations.Select(ToObservation).ToArray(), series, options), rows);
    }

    static Observation ToObservation(Measurement m) => new(m.TMeasurement.Ticks, m.Value, m.Offset);

    /// <summary>The windows of series still configured (a series dropped from configuration since processing is skipped).</summary>
    IEnumerable<(SeriesWindow Window, MeterSeriesOptions Series)> Configured(IEnumerable<SeriesWindow> windows) =>
        windows.Select(w => (w, options.Find(new MeterSeriesKey(w.DeviceId, w.SignalName)))).Where(p => p.Item2 is not null).Select(p => (p.w, p.Item2!));
}
