using System.Text.Json;
using Formats.Lake;
using Npgsql;
using Parquet.Schema;
using Prices;

namespace Workers.Prices;

/// <summary>What a stored report read: the topic, the offsets, and its counts (from <c>pipeline.price_reports</c>).</summary>
public sealed record StoredPriceReport(string ReportId, string Topic, double Threshold, long Ticks, long Rejected, IReadOnlyList<PartitionRange> Partitions);

/// <summary>
/// manifest.json of a report's export: the report, the offsets whose ticks are in it, and every file with its rows,
/// bytes and SHA-256. Nothing in it depends on when it was written, so exporting the same report again writes the same
/// bytes.
/// </summary>
public sealed record PriceLakeManifest(string ReportId, string Topic, double Threshold, long Ticks, IReadOnlyList<PartitionRange> Partitions, IReadOnlyList<LakeFile> Files);

/// <summary>
/// A stored price report and the ticks it read as Parquet, written Hive-style into a local directory under
/// <c>prices/reports/report=&lt;id&gt;/</c>: <c>ticks/day=…/symbol=…/ticks.parquet</c> (ts, symbol, price and the
/// tick's partition and offset, in time order), <c>outliers/day=…/outliers.parquet</c> (rank by |z|, ts, symbol,
/// price, z), <c>statistics/statistics.parquet</c> (one row per symbol, as stored) and <c>manifest.json</c>. Each table
/// has a folder of its own, so that a catalog's table over one (Glue and Athena read every file under a partition's
/// folder) never reads another's files or the manifest.
/// </summary>
public static class PriceReportLake
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string Prefix(string reportId) => $"prices/reports/report={Uri.EscapeDataString(reportId)}";

    public static string ManifestKey(string reportId) => $"{Prefix(reportId)}/manifest.json";

    static DateTimeDataField Timestamp(string name) => new(name, DateTimeFormat.Timestamp, isAdjustedToUTC: true, DateTimeTimeUnit.Micros, isNullable: false);

    static readonly DataField[] TickFields =
    [
        Timestamp("ts"), new DataField<string>("symbol", false), new DataField<double>("price", false),
        new DataField<int>("partition", false), new DataField<long>("offset", false),
    ];

    static readonly DataField[] OutlierFields =
    [
        new DataField<int>("rank", false), Timestamp("ts"), new DataField<string>("symbol", false),
        new DataField<double>("price", false), new DataField<double>("z_score", false),
    ];

    static readonly DataField[] StatisticsFields =
    [
        new DataField<string>("symbol", false), new DataField<long>("tick_count", false), new DataField<double>("min_price", false),
        new DataField<double>("max_price", false), new DataField<double>("mean_price", false), new DataField<double>("stddev_price", false),
        new DataField<int>("outlier_count", false),
    ];

    /// <summary>The export's tables, as the lake's catalog lists them.</summary>
    public static IReadOnlyList<LakeDataset> Datasets => [TicksDataset, OutliersDataset, StatisticsDataset];

    static readonly LakeDataset TicksDataset = new("price_ticks", "The ticks a price report read, per report, day and symbol, in time order",
        "prices/reports/report={report}/ticks/day={day}/symbol={symbol}/", TickFields);

    static readonly LakeDataset OutliersDataset = new("price_outliers", "A price report's outliers, ranked by |z|, per report and day",
        "prices/reports/report={report}/outliers/day={day}/", OutlierFields);

    static readonly LakeDataset StatisticsDataset = new("price_statistics", "A price report's statistics, one row per symbol",
        "prices/reports/report={report}/statistics/", StatisticsFields);

    const string Statistics = """
        SELECT symbol, tick_count, min_price, max_price, mean_price, stddev_price, outlier_count
        FROM pipeline.price_report_symbols WHERE report_id = $1 ORDER BY symbol
        """;

    const string Outliers = "SELECT ordinal, ts, symbol, price, z_score FROM pipeline.price_report_outliers WHERE report_id = $1 ORDER BY ordinal";

    /// <summary>Writes the export of <paramref name="report"/> with its <paramref name="ticks"/> under <paramref name="directory"/>; returns its manifest.</summary>
    public static async Task<PriceLakeManifest> WriteAsync(NpgsqlConnection connection, StoredPriceReport report, IReadOnlyList<PositionedTick> ticks, string directory, CancellationToken ct)
    {
        var written = new List<string>();
        foreach (var group in ticks.GroupBy(t => (Day: DateOnly.FromDateTime(t.Tick.Ts), t.Tick.Symbol)).OrderBy(g => g.Key.Day).ThenBy(g => g.Key.Symbol, StringComparer.Ordinal))
        {
            var rows = group.OrderBy(t => t.Tick.Ts).ThenBy(t => t.Partition).ThenBy(t => t.Offset).ToArray();
            var key = $"{TicksDataset.Folder(report.ReportId, group.Key.Day, group.Key.Symbol)}ticks.parquet";
            await ParquetColumns.WriteAsync(Path.Combine(directory, key), TicksDataset.Fields,
                [rows.Select(t => t.Tick.Ts).ToArray(), rows.Select(t => t.Tick.Symbol).ToArray(), rows.Select(t => t.Tick.Price).ToArray(),
                 rows.Select(t => t.Partition).ToArray(), rows.Select(t => t.Offset).ToArray()], ct);
            written.Add(key);
        }

        var outliers = new List<(int Rank, DateTime Ts, string Symbol, double Price, double Z)>();
        await using (var command = Command(connection, Outliers, report.ReportId))
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                outliers.Add((reader.GetInt32(0), reader.GetDateTime(1), reader.GetString(2), reader.GetDouble(3), reader.GetDouble(4)));
        foreach (var day in outliers.GroupBy(o => DateOnly.FromDateTime(o.Ts)).OrderBy(g => g.Key))
        {
            var rows = day.ToArray();
            var key = $"{OutliersDataset.Folder(report.ReportId, day.Key)}outliers.parquet";
            await ParquetColumns.WriteAsync(Path.Combine(directory, key), OutliersDataset.Fields,
                [rows.Select(o => o.Rank).ToArray(), rows.Select(o => o.Ts).ToArray(), rows.Select(o => o.Symbol).ToArray(),
                 rows.Select(o => o.Price).ToArray(), rows.Select(o => o.Z).ToArray()], ct);
            written.Add(key);
        }

        var statisticsKey = $"{StatisticsDataset.Folder(report.ReportId)}statistics.parquet";
        await using (var command = Command(connection, Statistics, report.ReportId))
        await using (var reader = await command.ExecuteReaderAsync(ct))
            await ParquetColumns.WriteAsync(Path.Combine(directory, statisticsKey), StatisticsDataset.Fields, reader, ct);
        written.Add(statisticsKey);

        var files = new List<LakeFile>();
        foreach (var key in written) files.Add(await LakeFile.DescribeAsync(directory, key, ct));
        var manifest = new PriceLakeManifest(report.ReportId, report.Topic, report.Threshold, report.Ticks, report.Partitions, files);
        await File.WriteAllTextAsync(Path.Combine(directory, ManifestKey(report.ReportId)), JsonSerializer.Serialize(manifest, Json), ct);
        return manifest;
    }

    static NpgsqlCommand Command(NpgsqlConnection connection, string sql, string reportId)
    {
        var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new() { Value = reportId });
        return command;
    }
}
