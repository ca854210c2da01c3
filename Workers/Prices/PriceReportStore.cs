using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Prices;

namespace Workers.Prices;

/// <summary>Writes a price report into <c>pipeline.price_report*</c>, replacing any earlier rows of the same report ID in one transaction.</summary>
public sealed class PriceReportStore(NpgsqlDataSource dataSource)
{
    const string InsertReport = """
        INSERT INTO pipeline.price_reports (report_id, run_id, topic, threshold, z_score_basis, tick_count, rejected_count, outlier_count, partitions, started_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
        """;

    const string InsertSymbol = """
        INSERT INTO pipeline.price_report_symbols (report_id, symbol, tick_count, min_price, max_price, mean_price, stddev_price, outlier_count)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        """;

    const string InsertReject = "INSERT INTO pipeline.price_report_rejects (report_id, ordinal, location, reason, payload) VALUES ($1, $2, $3, $4, $5)";

    const string CopyOutliers = "COPY pipeline.price_report_outliers (report_id, ordinal, ts, symbol, price, z_score) FROM STDIN (FORMAT BINARY)";

    public async Task SaveAsync(string reportId, string runId, string topic, PriceTopicReport read, DateTimeOffset startedAt, CancellationToken ct)
    {
        var report = read.Report;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var delete = new NpgsqlCommand("DELETE FROM pipeline.price_reports WHERE report_id = $1", connection, tx))
        {
            delete.Parameters.Add(new() { Value = reportId });
            await delete.ExecuteNonQueryAsync(ct);
        }

        var batch = new NpgsqlBatch(connection, tx);
        await using (batch)
        {
            batch.BatchCommands.Add(Command(InsertReport, reportId, runId, topic, report.Threshold, report.ZScoreBasis, report.Count, report.Invalid, report.Outliers.Count,
                new NpgsqlParameter { Value = JsonSerializer.Serialize(read.Partitions, JsonSerializerOptions.Web), NpgsqlDbType = NpgsqlDbType.Jsonb }, startedAt));
            var outliersPerSymbol = report.Outliers.CountBy(o => o.Symbol).ToDictionary();
            foreach (var s in report.Symbols)
                batch.BatchCommands.Add(Command(InsertSymbol, reportId, s.Symbol, s.Count, s.Min, s.Max, s.Mean, s.StandardDeviation, outliersPerSymbol.GetValueOrDefault(s.Symbol)));
            foreach (var (reject, ordinal) in report.InvalidExamples.Select((r, i) => (r, i + 1)))
                batch.BatchCommands.Add(Command(InsertReject, reportId, ordinal, reject.Location, reject.Reason, reject.Payload));
            await batch.ExecuteNonQueryAsync(ct);
        }

        await using (var writer = await connection.BeginBinaryImportAsync(CopyOutliers, ct))
        {
            var ordinal = 0;
            foreach (var o in report.Outliers)
            {
                await writer.StartRowAsync(ct);
                await writer.WriteAsync(reportId, NpgsqlDbType.Text, ct);
                await writer.WriteAsync(++ordinal, NpgsqlDbType.Integer, ct);
                await writer.WriteAsync(o.Ts, NpgsqlDbType.TimestampTz, ct);
                await writer.WriteAsync(o.Symbol, NpgsqlDbType.Text, ct);
                await writer.WriteAsync(o.Price, NpgsqlDbType.Double, ct);
                await writer.WriteAsync(o.ZScore, NpgsqlDbType.Double, ct);
            }
            await writer.CompleteAsync(ct);
        }
        await tx.CommitAsync(ct);
    }

    /// <summary>The stored report's topic, threshold, counts and offsets; null when no report has that ID.</summary>
    public async Task<StoredPriceReport?> FindAsync(string reportId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT topic, threshold, tick_count, rejected_count, partitions::text FROM pipeline.price_reports WHERE report_id = $1");
        command.Parameters.Add(new() { Value = reportId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        var partitions = JsonSerializer.Deserialize<List<PartitionRange>>(reader.GetString(4), JsonSerializerOptions.Web)!;
        return new StoredPriceReport(reportId, reader.GetString(0), reader.GetDouble(1), reader.GetInt64(2), reader.GetInt64(3), partitions);
    }

    static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values) command.Parameters.Add(value as NpgsqlParameter ?? new NpgsqlParameter { Value = value });
        return command;
    }
}
