using System.Text.Json.Nodes;
using Formats.Lake;
using Parquet.Schema;

namespace Deploy.Tests.Terraform;

public sealed class GlueCatalogTests
{
    [Fact]
    public async Task Every_lake_table_the_code_writes_has_a_Glue_table_with_its_folders_and_columns()
    {
        var declared = GlueCatalog.Declared();
        var expected = GlueCatalog.Render(declared);
        // A writer's new or changed table: regenerate the catalog, then review and commit the diff.
        if (Environment.GetEnvironmentVariable("UPDATE_GLUE_DATASETS") == "1") await File.WriteAllTextAsync(GlueCatalog.FilePath, expected);

        // the writers of every exporting area were found (trades, meters, prices, grid)
        Assert.Superset(
            new HashSet<string> { "trades", "anomalies", "meters_raw", "price_ticks", "price_outliers", "price_statistics", "grid_fetches", "grid_points", "grid_daily_price_wind" },
            declared.Select(d => d.Name).ToHashSet());
        Violations.AssertNone(GlueCatalog.Differences(expected, await File.ReadAllTextAsync(GlueCatalog.FilePath)));
    }

    [Fact]
    public async Task Every_partition_key_of_a_Glue_table_has_a_projection_and_a_place_in_its_template()
    {
        var glue = Repository.PathOf("terraform", "modules", "glue", "main.tf");
        var parsed = Assert.Single(await Hcl.ParseAsync([glue]));
        var projections = parsed.Json!["locals"]!.AsArray().Select(l => l!["projections"]).OfType<JsonObject>().Single();
        var tables = JsonNode.Parse(await File.ReadAllTextAsync(GlueCatalog.FilePath))!.AsObject();

        var missing = new List<string>();
        foreach (var (name, table) in tables)
            foreach (var key in table!["partition_keys"]!.AsArray().Select(k => k!.GetValue<string>()))
            {
                if (!projections.ContainsKey(key)) missing.Add($"{name}.{key}: no projection");
                if (!table["template"]!.GetValue<string>().Contains($"${{{key}}}", StringComparison.Ordinal)) missing.Add($"{name}.{key}: not in the template");
            }

        Assert.Empty(missing);
        Assert.Equal(["area", "dataset", "day", "deliveryarea", "deliverydate", "device", "report", "symbol"], projections.Select(p => p.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_lake_table_missing_from_the_catalog_or_with_other_columns_is_named()
    {
        var ticks = new LakeDataset("price_ticks", "Ticks", "prices/reports/report={report}/ticks/day={day}/", [new DataField<string>("symbol", false), new DataField<double>("price", false)]);
        var stats = new LakeDataset("price_statistics", "Statistics", "prices/reports/report={report}/statistics/", [new DataField<string>("symbol", false)]);
        var committed = GlueCatalog.Render([ticks with { Fields = [new DataField<string>("symbol", false), new DataField<float>("price", false)] }, stats with { Name = "old_table" }]);

        var violations = GlueCatalog.Differences(GlueCatalog.Render([ticks, stats]), committed);

        Assert.Equal(
            [
                "price_statistics: a lake table the code writes has no Glue table",
                "price_ticks: columns is [{\"name\":\"symbol\",\"type\":\"string\"},{\"name\":\"price\",\"type\":\"float\"}], the writer's is [{\"name\":\"symbol\",\"type\":\"string\"},{\"name\":\"price\",\"type\":\"double\"}]",
                "old_table: a Glue table over nothing the code writes",
            ],
            violations.Select(v => $"{v.Subject}: {v.Problem}"));
    }

    [Fact]
    public void A_table_renders_with_lowercase_partition_keys_its_root_folder_and_without_the_files_copies_of_its_keys()
    {
        var trades = new LakeDataset("trades", "Legs", "trades/deliveryDate={deliveryDate}/deliveryArea={deliveryArea}/",
        [
            new DataField<long>("tradeId", false), new DecimalDataField("price", 18, 2), new DataField<string>("deliveryArea", false),
            new DateTimeDataField("executionTime", DateTimeFormat.Timestamp), new DataField<DateOnly>("deliveryDate", false),
            new DataField<byte[]>("payload", true), new DataField<short>("timestampType", false), new DataField<bool>("underperforming", false),
        ]);

        var table = JsonNode.Parse(GlueCatalog.Render([trades]))!["trades"]!;

        Assert.Equal("trades/", table["location"]!.GetValue<string>());
        Assert.Equal("trades/deliveryDate=${deliverydate}/deliveryArea=${deliveryarea}/", table["template"]!.GetValue<string>());
        Assert.Equal(["deliverydate", "deliveryarea"], table["partition_keys"]!.AsArray().Select(k => k!.GetValue<string>()));
        Assert.Equal(
            ["tradeid bigint", "price decimal(18,2)", "executiontime timestamp", "payload binary", "timestamptype smallint", "underperforming boolean"],
            table["columns"]!.AsArray().Select(c => $"{c!["name"]} {c["type"]}"));
    }

    [Fact]
    public void A_partition_folder_has_its_values_in_place_escaped_and_days_as_dates()
    {
        var ticks = new LakeDataset("price_ticks", "Ticks", "prices/reports/report={report}/ticks/day={day}/symbol={symbol}/", []);

        Assert.Equal("prices/reports/report=r%2F1/ticks/day=2025-03-30/symbol=BRK.B/", ticks.Folder("r/1", new DateOnly(2025, 3, 30), "BRK.B"));
        Assert.Throws<ArgumentException>(() => ticks.Folder("r1", new DateOnly(2025, 3, 30)));
    }
}
