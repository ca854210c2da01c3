using System.Text.Json;
using Npgsql;
using Temporalio.Client;
using Web.Api;
using Web.Pipeline;
using Workflows.Prices;

namespace Web.Prices;

public sealed record PriceReportRow(string ReportId, string Topic, double Threshold, string ZScoreBasis, long TickCount, long RejectedCount, int OutlierCount,
    DateTimeOffset StartedAt, DateTimeOffset CompletedAt);

/// <summary>Per-symbol statistics; <c>StddevPrice</c> is the sample standard deviation (n − 1).</summary>
public sealed record PriceSymbolRow(string Symbol, long TickCount, double MinPrice, double MaxPrice, double MeanPrice, double StddevPrice, int OutlierCount);

/// <summary>A tick whose |z| is above the report's threshold; <c>Rank</c> 1 is the largest |z|.</summary>
public sealed record PriceOutlierRow(int Rank, DateTimeOffset Ts, string Symbol, double Price, double ZScore);

/// <summary>A message that was not a tick: where it was in the topic, why, and the message as received (first 500 characters).</summary>
public sealed record PriceRejectRow(string Location, string Reason, string Payload);

/// <summary>The offsets a report read: from <c>Low</c> up to <c>High</c> (exclusive), the high-water mark when it started.</summary>
public sealed record PricePartitionRow(int Partition, long Low, long High);

/// <summary>A report with its statistics per symbol, the offsets it read and the first rejected messages (their total is <c>Report.RejectedCount</c>).</summary>
public sealed record PriceReportDetail(PriceReportRow Report, IReadOnlyList<PriceSymbolRow> Symbols, IReadOnlyList<PricePartitionRow> Partitions, IReadOnlyList<PriceRejectRow> Rejected);

public sealed record PriceReportStarted(string ReportId, string RunId, string TemporalUiUrl);

/// <summary>Reads the price reports (written by Workers' PriceReportWorkflow) and starts one on demand.</summary>
public sealed class PriceReports(NpgsqlDataSource dataSource, ITemporalClient temporal, PipelineRuns runs, TimeProvider time)
{
    const string ReportColumns = "report_id, topic, threshold, z_score_basis, tick_count, rejected_count, outlier_count, started_at, completed_at";

    public async Task<Paged<PriceReportRow>> ListAsync(PageRequest page, CancellationToken ct)
    {
        await using var count = dataSource.CreateCommand("SELECT count(*) FROM pipeline.price_reports");
        var total = (long)(await count.ExecuteScalarAsync(ct))!;
        var rows = await ReadAsync($"SELECT {ReportColumns} FROM pipeline.price_reports ORDER BY completed_at DESC, report_id LIMIT $1 OFFSET $2", ReadReport, ct,
            page.Limit, (long)page.Offset);
        return new Paged<PriceReportRow>(rows, total, page);
    }

    /// <summary>The report <paramref name="reportId"/>, or the latest when null; null when there is none.</summary>
    public async Task<PriceReportDetail?> DetailAsync(string? reportId, CancellationToken ct)
    {
        var report = (await ReadAsync($"""
            SELECT {ReportColumns}, partitions::text FROM pipeline.price_reports
            WHERE $1::text IS NULL OR report_id = $1 ORDER BY completed_at DESC, report_id LIMIT 1
            """, r => (Report: ReadReport(r), Partitions: r.GetString(9)), ct, (object?)reportId ?? DBNull.Value)).SingleOrDefault();
        if (report.Report is null) return null;
        var id = report.Report.ReportId;
        var symbols = await ReadAsync("""
            SELECT symbol, tick_count, min_price, max_price, mean_price, stddev_price, outlier_count
            FROM pipeline.price_report_symbols WHERE report_id = $1 ORDER BY symbol
            """, r => new PriceSymbolRow(r.GetString(0), r.GetInt64(1), r.GetDouble(2), r.GetDouble(3), r.GetDouble(4), r.GetDouble(5), r.GetInt32(6)), ct, id);
        var rejected = await ReadAsync("SELECT location, reason, payload FROM pipeline.price_report_rejects WHERE report_id = $1 ORDER BY ordinal",
            r => new PriceRejectRow(r.GetString(0), r.GetString(1), r.GetString(2)), ct, id);
        var partitions = JsonSerializer.Deserialize<List<PricePartitionRow>>(report.Partitions, JsonSerializerOptions.Web) ?? [];
        return new PriceReportDetail(report.Report, symbols, partitions, rejected);
    }

    /// <summary>One page of a report's outliers, largest |z| first; null when the report does not exist.</summary>
    public async Task<Paged<PriceOutlierRow>?> OutliersAsync(string reportId, string? symbol, PageRequest page, CancellationToken ct)
    {
        await using var count = dataSource.CreateCommand("""
            SELECT (SELECT count(*) FROM pipeline.price_reports WHERE report_id = $1),
                   (SELECT count(*) FROM pipeline.price_report_outliers WHERE report_id = $1 AND ($2::text IS NULL OR symbol = $2))
            """);
        count.Parameters.Add(new() { Value = reportId });
        count.Parameters.Add(new() { Value = (object?)symbol ?? DBNull.Value });
        long reports, total;
        await using (var r = await count.ExecuteReaderAsync(ct))
        {
            await r.ReadAsync(ct);
            (reports, total) = (r.GetInt64(0), r.GetInt64(1));
        }
        if (reports == 0) return null;
        var rows = await ReadAsync("""
            SELECT ordinal, ts, symbol, price, z_score FROM pipeline.price_report_outliers
            WHERE report_id = $1 AND ($2::text IS NULL OR symbol = $2) ORDER BY ordinal LIMIT $3 OFFSET $4
            """, r => new PriceOutlierRow(r.GetInt32(0), r.GetFieldValue<DateTimeOffset>(1), r.GetString(2), r.GetDouble(3), r.GetDouble(4)), ct,
            reportId, (object?)symbol ?? DBNull.Value, page.Limit, (long)page.Offset);
        return new Paged<PriceOutlierRow>(rows, total, page);
    }

    /// <summary>Starts a report now; its ID is its start time, so the workflow in Temporal and the stored report share one name.</summary>
    public async Task<PriceReportStarted> StartAsync(PriceReportRequest request, CancellationToken ct)
    {
        var handle = await temporal.StartWorkflowAsync((PriceReportWorkflow w) => w.RunAsync(request),
            new WorkflowOptions(PriceReportWorkflow.OnDemandId(time.GetUtcNow()), PriceReportWorkflow.TaskQueue) { Rpc = new RpcOptions { CancellationToken = ct } });
        return new PriceReportStarted(handle.Id, handle.ResultRunId!, runs.UiUrl(handle.Id, handle.ResultRunId!));
    }

    static PriceReportRow ReadReport(NpgsqlDataReader r) => new(r.GetString(0), r.GetString(1), r.GetDouble(2), r.GetString(3), r.GetInt64(4), r.GetInt64(5), r.GetInt32(6),
        r.GetFieldValue<DateTimeOffset>(7), r.GetFieldValue<DateTimeOffset>(8));

    async Task<List<T>> ReadAsync<T>(string sql, Func<NpgsqlDataReader, T> read, CancellationToken ct, params object[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var p in parameters) command.Parameters.Add(new() { Value = p });
        await using var r = await command.ExecuteReaderAsync(ct);
        var rows = new List<T>();
        while (await r.ReadAsync(ct)) rows.Add(read(r));
        return rows;
    }
}
