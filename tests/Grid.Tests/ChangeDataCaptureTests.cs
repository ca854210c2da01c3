using System.Text.Json.Nodes;
using Grid.EnergyCharts;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Grid.Tests;

/// <summary>Bronze and silver on a real PostgreSQL: the real v1 → v2 revision of 2025-12-01..03, repeats, a missing type.</summary>
[Collection(GridDatabaseCollection.Name)]
public sealed class ChangeDataCaptureTests(GridDatabase database)
{
    static readonly DateOnly[] December = [new(2025, 12, 1), new(2025, 12, 2), new(2025, 12, 3)];

    static GridIngestion Ingestion(NpgsqlDataSource dataSource) =>
        new(new EnergyChartsClient(new HttpClient(), new EnergyChartsOptions(), TimeProvider.System, NullLogger<EnergyChartsClient>.Instance),
            dataSource, new GridAreas(), NullLogger<GridIngestion>.Instance);

    /// <summary>Every (series, ts) whose value differs between the two recorded fetches, with both values: computed from the files alone.</summary>
    static Dictionary<(string, DateTime), (double Old, double New)> RevisedInFiles()
    {
        var revised = new Dictionary<(string, DateTime), (double, double)>();
        foreach (var day in December)
        {
            var v1 = EnergyChartsParser.Parse(Recorded.PublicPower(day)).Points.ToDictionary(p => (p.Series, p.Timestamp), p => p.Value);
            foreach (var point in EnergyChartsParser.Parse(Recorded.PublicPower(day, 2)).Points)
                if (v1[(point.Series, point.Timestamp)] != point.Value) revised[(point.Series, point.Timestamp)] = (v1[(point.Series, point.Timestamp)], point.Value);
        }
        return revised;
    }

    [Fact]
    public async Task The_revision_updates_exactly_the_revised_points_and_logs_old_and_new_values()
    {
        await using var dataSource = await database.CreateAsync();
        var ingestion = Ingestion(dataSource);
        var expected = RevisedInFiles();
        Assert.Equal(1070, expected.Count); // as the files have it: 3 days × 96 × 3 fully revised types, plus coal-derived gas and shares

        var first = new List<IngestOutcome>();
        foreach (var day in December) first.Add(await ingestion.StoreAsync(Recorded.PublicPower(day), default));
        var before = await PointsAsync(dataSource);
        var second = new List<IngestOutcome>();
        foreach (var day in December) second.Add(await ingestion.StoreAsync(Recorded.PublicPower(day, 2, Recorded.SecondFetch), default));
        var after = await PointsAsync(dataSource);

        Assert.All(first, o => Assert.Equal((2016, 2016, 0, 0), (o.Merge.Points, o.Merge.Inserted, o.Merge.Revised, o.Merge.Unchanged)));
        Assert.Equal(expected.Count, second.Sum(o => o.Merge.Revised));
        Assert.Equal(3 * 2016 - expected.Count, second.Sum(o => o.Merge.Unchanged));
        Assert.All(second, o => Assert.Equal(0, o.Merge.Inserted));
        Assert.Equal(December.Select(d => new[] { d }), second.Select(o => o.Merge.ChangedDays));

        // revised points carry the new value from the second fetch on; every other point is untouched (value and valid_from)
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach (var (key, row) in after)
        {
            if (expected.TryGetValue(key, out var change))
                Assert.Equal((change.New, Recorded.SecondFetch.UtcDateTime), (row.Value, row.ValidFrom));
            else
                Assert.Equal(before[key], row);
        }

        var log = await ChangesAsync(dataSource);
        Assert.Equal(expected.Count, log.Count);
        foreach (var change in log)
            Assert.Equal((expected[(change.Series, change.Ts)].Old, expected[(change.Series, change.Ts)].New, Recorded.FirstFetch.UtcDateTime, Recorded.SecondFetch.UtcDateTime),
                (change.Old, change.New, change.OldValidFrom, change.ChangedAt));
        Assert.Equal(["Biomass", "Fossil coal-derived gas", "Geothermal", "Hydro Run-of-River", "Renewable share of generation", "Renewable share of load"],
            log.Select(c => c.Series).Distinct().Order());
    }

    [Fact]
    public async Task Ingesting_the_same_payloads_a_third_time_changes_nothing_but_the_fetch_count()
    {
        await using var dataSource = await database.CreateAsync();
        var ingestion = Ingestion(dataSource);
        foreach (var day in December) await ingestion.StoreAsync(Recorded.PublicPower(day), default);
        foreach (var day in December) await ingestion.StoreAsync(Recorded.PublicPower(day, 2, Recorded.SecondFetch), default);
        var points = await PointsAsync(dataSource);
        var changes = await ChangesAsync(dataSource);
        var gold = await ScalarAsync<long>(dataSource, "SELECT count(*) FROM pipeline.grid_daily_production");

        var third = new List<IngestOutcome>();
        foreach (var day in December) third.Add(await ingestion.StoreAsync(Recorded.PublicPower(day, 2, Recorded.SecondFetch.AddDays(1)), default));

        Assert.All(third, o => Assert.Equal((0, 0, 2016), (o.Merge.Inserted, o.Merge.Revised, o.Merge.Unchanged)));
        Assert.All(third, o => Assert.Empty(o.Merge.ChangedDays));
        Assert.Equal(points, await PointsAsync(dataSource));
        Assert.Equal(changes, await ChangesAsync(dataSource));
        Assert.Equal(gold, await ScalarAsync<long>(dataSource, "SELECT count(*) FROM pipeline.grid_daily_production"));
        // bronze: one row per distinct payload; the repeat counted as a second fetch of the v2 bytes
        Assert.Equal(6L, await ScalarAsync<long>(dataSource, "SELECT count(*) FROM pipeline.grid_fetches"));
        Assert.Equal(9L, await ScalarAsync<long>(dataSource, "SELECT sum(fetches) FROM pipeline.grid_fetches"));
    }

    [Fact]
    public async Task Bronze_keeps_every_payload_byte_for_byte_with_its_url_and_fetch_time()
    {
        await using var dataSource = await database.CreateAsync();
        var payload = Recorded.PublicPower(December[0]);

        await Ingestion(dataSource).StoreAsync(payload, default);

        await using var command = dataSource.CreateCommand("SELECT dataset, area, url, payload, first_fetched_at, rejected_reason FROM pipeline.grid_fetches");
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(("public_power", "de", "https://api.energy-charts.info/public_power?country=de&start=2025-12-01&end=2025-12-01"),
            (reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        Assert.Equal(payload.Body, reader.GetFieldValue<byte[]>(3));
        Assert.Equal(Recorded.FirstFetch.UtcDateTime, reader.GetDateTime(4));
        Assert.True(reader.IsDBNull(5));
        Assert.False(await reader.ReadAsync());
    }

    [Fact]
    public async Task A_production_type_missing_from_a_later_payload_is_reported_and_its_points_are_kept()
    {
        await using var dataSource = await database.CreateAsync();
        var ingestion = Ingestion(dataSource);
        var day = December[0];
        await ingestion.StoreAsync(Recorded.PublicPower(day), default);
        var solarBefore = (await PointsAsync(dataSource)).Where(p => p.Key.Series == "Solar").ToList();
        var withoutSolar = JsonNode.Parse(Recorded.PublicPower(day).Body)!;
        var types = withoutSolar["production_types"]!.AsArray();
        types.Remove(types.Single(t => (string)t!["name"]! == "Solar"));

        var outcome = await ingestion.StoreAsync(Recorded.With(GridRequest.PublicPower("de", day, day), System.Text.Encoding.UTF8.GetBytes(withoutSolar.ToJsonString()), Recorded.SecondFetch), default);

        Assert.Equal(["Solar"], outcome.Merge.MissingSeries);
        Assert.Equal((20 * 96, 0, 0), (outcome.Merge.Points, outcome.Merge.Inserted, outcome.Merge.Revised));
        Assert.Equal(solarBefore, (await PointsAsync(dataSource)).Where(p => p.Key.Series == "Solar").ToList());
        Assert.Empty(await ChangesAsync(dataSource));
    }

    [Fact]
    public async Task Prices_merge_by_bidding_zone_with_negative_values_kept()
    {
        await using var dataSource = await database.CreateAsync();

        var outcome = await Ingestion(dataSource).StoreAsync(Recorded.Price(new(2024, 1, 1)), default);

        Assert.Equal((24, 24), (outcome.Merge.Points, outcome.Merge.Inserted));
        Assert.Equal(-0.05, await ScalarAsync<double>(dataSource, "SELECT min(value) FROM pipeline.grid_points WHERE dataset = 'price' AND area = 'DE-LU'"));
    }

    internal sealed record PointRow(double Value, string Unit, DateTime ValidFrom);

    internal sealed record ChangeRow(string Series, DateTime Ts, double Old, double New, DateTime OldValidFrom, DateTime ChangedAt);

    static async Task<Dictionary<(string Series, DateTime Ts), PointRow>> PointsAsync(NpgsqlDataSource dataSource)
    {
        var points = new Dictionary<(string, DateTime), PointRow>();
        await using var command = dataSource.CreateCommand("SELECT series, ts, value, unit, valid_from FROM pipeline.grid_points WHERE dataset = 'public_power' ORDER BY series, ts");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            points[(reader.GetString(0), reader.GetDateTime(1))] = new PointRow(reader.GetDouble(2), reader.GetString(3), reader.GetDateTime(4));
        return points;
    }

    static async Task<List<ChangeRow>> ChangesAsync(NpgsqlDataSource dataSource)
    {
        var changes = new List<ChangeRow>();
        await using var command = dataSource.CreateCommand("SELECT series, ts, old_value, new_value, old_valid_from, changed_at FROM pipeline.grid_point_changes ORDER BY id");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            changes.Add(new ChangeRow(reader.GetString(0), reader.GetDateTime(1), reader.GetDouble(2), reader.GetDouble(3), reader.GetDateTime(4), reader.GetDateTime(5)));
        return changes;
    }

    internal static async Task<T> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
