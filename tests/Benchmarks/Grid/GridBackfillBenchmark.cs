using System.Diagnostics;
using Benchmarks.Support;
using Grid;
using Grid.EnergyCharts;
using Grid.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using Workers.Storage;

namespace Grid.Benchmarks;

/// <summary>
/// A year of public power for one country through the Feeds stand-in (fetched in 31-day chunks as the workflow does,
/// parsed, kept raw, merged, gold recomputed), then the CDC merge of the same year again (unchanged) and of a revised
/// year (every 20th point changed), against a baseline measured in the same run: one raw binary COPY of the same
/// points into a table of the same shape and key. Usage: benchmarks grid-backfill [--year 2024] [--runs 3]
/// </summary>
public static class GridBackfillBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var year = Bench.Option(args, "--year", 2024);
        var runs = Bench.Option(args, "--runs", 3);
        await using var servers = await BenchServers.StartAsync(kafka: true);
        await using var feeds = await servers.StartServiceAsync("Feeds", await servers.CreateDatabaseAsync("unused"), new Dictionary<string, string> { ["TradeFeed__Port"] = "0", ["TradeFeed__Intensity"] = "0.01" });
        var client = new EnergyChartsClient(new HttpClient(), new EnergyChartsOptions { BaseUrl = feeds.Url, MaxRetries = 1 }, TimeProvider.System, NullLogger<EnergyChartsClient>.Instance);
        var chunks = Chunks(new DateOnly(year, 1, 1), new DateOnly(year, 12, 31));
        Console.WriteLine($"grid-backfill: public power de {year} in {chunks.Count} fetches, {runs} run(s), {Environment.ProcessorCount} cores");

        var (backfill, unchanged, revised, copy) = (new List<double>(), new List<double>(), new List<double>(), new List<double>());
        var points = 0;
        for (var run = 1; run <= runs; run++)
        {
            await using var dataSource = NpgsqlDataSource.Create(await servers.CreateDatabaseAsync("bench"));
            await PipelineSchema.ApplyAsync(dataSource, CancellationToken.None);
            var ingestion = new GridIngestion(client, dataSource, new GridAreas(), NullLogger<GridIngestion>.Instance);

            var clock = Stopwatch.StartNew();
            var payloads = new List<FetchedPayload>();
            points = 0;
            foreach (var (first, last) in chunks)
            {
                var payload = await client.FetchAsync(GridRequest.PublicPower("de", first, last), default);
                payloads.Add(payload);
                points += (await ingestion.StoreAsync(payload, default)).Merge.Inserted;
            }
            backfill.Add(clock.Elapsed.TotalSeconds);

            var parsed = payloads.Select(EnergyChartsParser.Parse).ToList();
            unchanged.Add(await MergeYearAsync(dataSource, payloads, parsed, revise: false, expectedRevised: 0));
            var expected = parsed.Sum(p => p.Points.Where((_, i) => i % 20 == 0).Count());
            revised.Add(await MergeYearAsync(dataSource, payloads, parsed, revise: true, expectedRevised: expected));
            copy.Add(await RawCopyAsync(dataSource, parsed));
            Console.WriteLine($"run {run}: backfill {points:N0} points in {backfill[^1]:F2} s ({points / backfill[^1]:N0} points/s); merge unchanged {unchanged[^1]:F2} s, revised ({expected:N0} changed) {revised[^1]:F2} s; raw COPY {copy[^1]:F2} s");
        }
        Console.WriteLine($"median: backfill {Bench.Median(backfill):F2} s ({points / Bench.Median(backfill):N0} points/s); merge of an unchanged year {Bench.Median(unchanged):F2} s, of a revised year {Bench.Median(revised):F2} s; raw COPY {Bench.Median(copy):F2} s (revised merge / COPY {Bench.Median(revised) / Bench.Median(copy):F1}x)");
        return 0;
    }

    static List<(DateOnly, DateOnly)> Chunks(DateOnly first, DateOnly last)
    {
        var chunks = new List<(DateOnly, DateOnly)>();
        for (var start = first; start <= last; start = start.AddDays(31))
            chunks.Add((start, start.AddDays(30) < last ? start.AddDays(30) : last));
        return chunks;
    }

    /// <summary>Seconds for the CDC merge of the whole year in one transaction (bronze row included), values revised or not.</summary>
    static async Task<double> MergeYearAsync(NpgsqlDataSource dataSource, List<FetchedPayload> payloads, List<ParsedPayload> parsed, bool revise, int expectedRevised)
    {
        var fetchedAt = DateTimeOffset.UtcNow;
        var inputs = payloads.Zip(parsed, (payload, p) => (Payload: payload with { FetchedAt = fetchedAt, Body = revise ? [.. payload.Body, (byte)' '] : payload.Body },
            Parsed: revise ? p with { Points = [.. p.Points.Select((point, i) => i % 20 == 0 ? point with { Value = point.Value + 1 } : point)] } : p)).ToList();
        var clock = Stopwatch.StartNew();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        var revisedCount = 0;
        foreach (var (payload, points) in inputs)
            revisedCount += (await GridStore.MergeAsync(connection, tx, payload, points, await GridStore.KeepRawAsync(connection, tx, payload, null, default), default)).Revised;
        await tx.CommitAsync();
        if (revisedCount != expectedRevised) throw new InvalidOperationException($"revised {revisedCount}, expected {expectedRevised}");
        return clock.Elapsed.TotalSeconds;
    }

    static async Task<double> RawCopyAsync(NpgsqlDataSource dataSource, List<ParsedPayload> parsed)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using (var create = new NpgsqlCommand("CREATE TABLE copy_baseline (LIKE pipeline.grid_points INCLUDING ALL)", connection)) await create.ExecuteNonQueryAsync();
        var clock = Stopwatch.StartNew();
        await using (var copy = await connection.BeginBinaryImportAsync("COPY copy_baseline (dataset, area, series, ts, value, unit, valid_from, fetch_id) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var point in parsed.SelectMany(p => p.Points))
            {
                await copy.StartRowAsync();
                await copy.WriteAsync("public_power", NpgsqlDbType.Text);
                await copy.WriteAsync("de", NpgsqlDbType.Text);
                await copy.WriteAsync(point.Series, NpgsqlDbType.Text);
                await copy.WriteAsync(point.Timestamp, NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(point.Value, NpgsqlDbType.Double);
                await copy.WriteAsync(point.Unit, NpgsqlDbType.Text);
                await copy.WriteAsync(DateTime.UtcNow, NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(1L, NpgsqlDbType.Bigint);
            }
            await copy.CompleteAsync();
        }
        return clock.Elapsed.TotalSeconds;
    }
}
