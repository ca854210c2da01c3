using Amazon.S3.Model;
using Confluent.Kafka;
using Npgsql;
using Prices;
using ServiceDefaults.Lake;
using ServiceDefaults.Kafka;
using Temporalio.Activities;
using Temporalio.Exceptions;
using Workflows;
using Workflows.Prices;

namespace Workers.Prices;

/// <summary>
/// Reads the topic into a report and stores it under the report ID, then exports it to the lake. At least once,
/// exactly once in effect: the store replaces the report's rows, the reads commit no offsets, and the export writes
/// the same objects under the same keys (and removes any of an earlier export of the same ID it no longer lists), so
/// an attempt after a crash reads and writes the same.
/// </summary>
public sealed class PriceReportActivities(
    [FromKeyedServices(PriceReportRegistration.ConsumerKey)] KafkaConsumerFactory<Ignore, byte[]> consumers,
    PriceReportStore store, NpgsqlDataSource dataSource, Lake lake, TimeProvider time, ILogger<PriceReportActivities> logger) : IPriceReportActivities
{
    [Activity]
    public async Task<PriceReportSummary> ReportTopicAsync(PriceReportRequest request, string reportId)
    {
        if (!(request.Threshold > 0) || !double.IsFinite(request.Threshold) || string.IsNullOrWhiteSpace(request.Topic))
            throw new ApplicationFailureException($"a price report needs a topic and a threshold above 0 (got topic '{request.Topic}', threshold {request.Threshold})",
                errorType: WorkflowErrors.InvalidRequest, nonRetryable: true);
        var context = ActivityExecutionContext.Current;
        var ct = context.CancellationToken;
        var started = time.GetUtcNow();
        PriceTopicReport read;
        try
        {
            read = await PriceTopic.ReadAsync(() => consumers.Create(), request.Topic, request.Threshold, ct);
        }
        catch (PriceTopicException e)
        {
            // Retried by the workflow's policy: a topic not created yet or a broker restarting may be there on the next attempt.
            throw new ApplicationFailureException(e.Message, errorType: "PriceTopicUnavailable");
        }
        await store.SaveAsync(reportId, context.Info.WorkflowRunId ?? "", request.Topic, read, started, ct);
        var report = read.Report;
        logger.LogInformation("price report {ReportId} on {Topic}: {Ticks} ticks, {Symbols} symbols, {Outliers} outliers with |z| > {Threshold}, {Rejected} rejected",
            reportId, request.Topic, report.Count, report.Symbols.Count, report.Outliers.Count, report.Threshold, report.Invalid);
        return new PriceReportSummary(reportId, report.Count, report.Symbols.Count, report.Outliers.Count, report.Invalid);
    }

    [Activity]
    public async Task<PriceReportExport> ExportReportAsync(string reportId)
    {
        var context = ActivityExecutionContext.Current;
        var ct = context.CancellationToken;
        var report = await store.FindAsync(reportId, ct)
            ?? throw new ApplicationFailureException($"price report {reportId} is not stored: nothing to export", errorType: PriceReportErrors.ExportImpossible, nonRetryable: true);
        using var consumer = consumers.Create();
        var read = await PriceTopic.ReadTicksAsync(consumer, report.Topic, report.Partitions, ct);
        if (read.Ticks.Count != report.Ticks || read.Invalid != report.Rejected)
            throw new ApplicationFailureException(
                $"topic {report.Topic} no longer holds what report {reportId} read ({report.Ticks:N0} ticks and {report.Rejected:N0} rejected at the stored offsets; now {read.Ticks.Count:N0} and {read.Invalid:N0}): "
                + "its oldest messages are gone (retention), run a new report", errorType: PriceReportErrors.ExportImpossible, nonRetryable: true);
        context.Heartbeat();

        var staging = Path.Combine(Path.GetTempPath(), "prices-export", Guid.NewGuid().ToString("N"));
        try
        {
            PriceLakeManifest manifest;
            await using (var connection = await dataSource.OpenConnectionAsync(ct))
                manifest = await PriceReportLake.WriteAsync(connection, report, read.Ticks, staging, ct);
            foreach (var file in manifest.Files) await lake.PutFileAsync(staging, file.Path, ct);
            var manifestKey = PriceReportLake.ManifestKey(reportId);
            await lake.PutFileAsync(staging, manifestKey, ct);
            await RemoveUnlistedAsync(reportId, manifest.Files.Select(f => f.Path).Append(manifestKey).ToHashSet(StringComparer.Ordinal), ct);
            logger.LogInformation("price report {ReportId} exported: {Files} files, {Ticks} ticks, manifest {Manifest}", reportId, manifest.Files.Count, read.Ticks.Count, manifestKey);
            return new PriceReportExport(manifestKey, manifest.Files.Count, read.Ticks.Count);
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>An earlier export under the same ID may have had a day or symbol this one has not: its objects go.</summary>
    async Task RemoveUnlistedAsync(string reportId, HashSet<string> listed, CancellationToken ct)
    {
        var request = new ListObjectsV2Request { BucketName = lake.Bucket, Prefix = PriceReportLake.Prefix(reportId) + "/" };
        ListObjectsV2Response page;
        do
        {
            page = await lake.Client.ListObjectsV2Async(request, ct);
            foreach (var stale in (page.S3Objects ?? []).Where(o => !listed.Contains(o.Key)))
                await lake.Client.DeleteObjectAsync(lake.Bucket, stale.Key, ct);
            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);
    }
}
