using Confluent.Kafka;
using Prices;
using ServiceDefaults.Kafka;
using Temporalio.Activities;
using Temporalio.Exceptions;
using Workflows.Prices;

namespace Workers.Prices;

/// <summary>
/// Reads the topic into a report and stores it under the report ID. At least once, exactly once in effect: the store
/// replaces the report's rows, and the read commits no offsets, so an attempt after a crash reads and writes the same.
/// </summary>
public sealed class PriceReportActivities(
    [FromKeyedServices(PriceReportRegistration.ConsumerKey)] KafkaConsumerFactory<Ignore, byte[]> consumers,
    PriceReportStore store, TimeProvider time, ILogger<PriceReportActivities> logger) : IPriceReportActivities
{
    [Activity]
    public async Task<PriceReportSummary> ReportTopicAsync(PriceReportRequest request, string reportId)
    {
        if (!(request.Threshold > 0) || !double.IsFinite(request.Threshold) || string.IsNullOrWhiteSpace(request.Topic))
            throw new ApplicationFailureException($"a price report needs a topic and a threshold above 0 (got topic '{request.Topic}', threshold {request.Threshold})",
                errorType: PriceReportErrors.InvalidRequest, nonRetryable: true);
        var context = ActivityExecutionContext.Current;
        var ct = context.CancellationToken;
        var started = time.GetUtcNow();
        using var consumer = consumers.Create();
        PriceTopicReport read;
        try
        {
            read = await PriceTopic.ReadAsync(consumer, request.Topic, request.Threshold, ct);
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
}
