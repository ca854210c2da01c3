using Formats.Lake;
using Parquet.Schema;

namespace Grid.Lake;

/// <summary>
/// One table of the grid's lake: which rows of which day go into the partition <c>day=…</c> of an area (and dataset),
/// and the Parquet fields they are written as. <see cref="Source"/> selects the partition day first, then the file's
/// columns in the fields' order, for the parameters $1 dataset, $2 area, $3/$4 the first and last day's UTC bounds
/// (from, to exclusive) and $5/$6 the first and last local day; <see cref="Order"/> is the rows' order in a file.
/// The partition columns (dataset, area, day) are in the key, not in the file, as Glue and Athena expect.
/// </summary>
sealed record GridLakeTable(string Layer, string Name, string Description, bool ByDataset, string Source, string Order, DataField[] Fields)
{
    /// <summary>The table as the lake's catalog lists it: <c>grid/&lt;layer&gt;/&lt;name&gt;/[dataset=…/]area=…/day=…/</c>.</summary>
    public LakeDataset Dataset { get; } = new(Name, Description,
        $"grid/{Layer}/{Name}/{(ByDataset ? "dataset={dataset}/" : "")}area={{area}}/day={{day}}/", Fields);

    public string Key(string dataset, string area, DateOnly day) =>
        (ByDataset ? Dataset.Folder(dataset, area, day) : Dataset.Folder(area, day)) + "part-0.parquet";

    /// <summary>Every table of the grid's lake.</summary>
    public static IReadOnlyList<GridLakeTable> All => [Fetches, Points, Changes, DailyProduction, Underperformance, PriceWind];

    static DataField Utc(string name, bool nullable = false) => new DateTimeDataField(name, DateTimeFormat.Timestamp, isAdjustedToUTC: true, DateTimeTimeUnit.Micros, isNullable: nullable);

    /// <summary>Bronze: each distinct payload once, in the partition of the local day it was first fetched.</summary>
    public static readonly GridLakeTable Fetches = new("bronze", "grid_fetches", "Energy-Charts payloads as fetched (bronze), each once, by local day of its first fetch", true, """
        SELECT (first_fetched_at AT TIME ZONE 'Europe/Berlin')::date AS day, id, url, payload, encode(payload_sha256, 'hex') AS payload_sha256, first_fetched_at, rejected_reason
        FROM pipeline.grid_fetches WHERE dataset = $1 AND area = $2 AND first_fetched_at >= $3 AND first_fetched_at < $4
        """, "id",
        [new DataField<long>("id", false), new DataField<string>("url", false), new DataField<byte[]>("payload", false),
         new DataField<string>("payload_sha256", false), Utc("first_fetched_at"), new DataField<string>("rejected_reason", true)]);

    /// <summary>Silver: the current value of every point, by the local day of its timestamp.</summary>
    public static readonly GridLakeTable Points = new("silver", "grid_points", "Energy-Charts points, the current value of each, by local day of the point", true, """
        SELECT (ts AT TIME ZONE 'Europe/Berlin')::date AS day, series, ts, value, unit, valid_from, fetch_id
        FROM pipeline.grid_points WHERE dataset = $1 AND area = $2 AND ts >= $3 AND ts < $4
        """, "series, ts",
        [new DataField<string>("series", false), Utc("ts"), new DataField<double>("value", false), new DataField<string>("unit", false),
         Utc("valid_from"), new DataField<long>("fetch_id", false)]);

    /// <summary>Silver history: every revision, by the local day of the revised point.</summary>
    public static readonly GridLakeTable Changes = new("silver", "grid_point_changes", "Every revision of an Energy-Charts point, by local day of the revised point", true, """
        SELECT (ts AT TIME ZONE 'Europe/Berlin')::date AS day, id, series, ts, unit, old_value, new_value, old_valid_from, changed_at, fetch_id
        FROM pipeline.grid_point_changes WHERE dataset = $1 AND area = $2 AND ts >= $3 AND ts < $4
        """, "id",
        [new DataField<long>("id", false), new DataField<string>("series", false), Utc("ts"), new DataField<string>("unit", false),
         new DataField<double>("old_value", false), new DataField<double>("new_value", false), Utc("old_valid_from"), Utc("changed_at"),
         new DataField<long>("fetch_id", false)]);

    public static readonly GridLakeTable DailyProduction = new("gold", "grid_daily_production", "Energy produced per series and local day", false, """
        SELECT day, series, energy_mwh, mean_mw, points FROM pipeline.grid_daily_production WHERE area = $2 AND day BETWEEN $5 AND $6
        """, "series",
        [new DataField<string>("series", false), new DataField<double>("energy_mwh", false), new DataField<double>("mean_mw", false), new DataField<int>("points", false)]);

    public static readonly GridLakeTable Underperformance = new("gold", "grid_underperformance", "Slots whose production falls short of the 7-day baseline", false, """
        SELECT day, series, slot_start, actual_mw, expected_mw, ratio, underperforming FROM pipeline.grid_underperformance WHERE area = $2 AND day BETWEEN $5 AND $6
        """, "series, slot_start",
        [new DataField<string>("series", false), Utc("slot_start"), new DataField<double>("actual_mw", false), new DataField<double>("expected_mw", true),
         new DataField<double>("ratio", true), new DataField<bool>("underperforming", false)]);

    /// <summary>Gold price vs wind, in the partition of the country (area) whose wind it compares.</summary>
    public static readonly GridLakeTable PriceWind = new("gold", "grid_daily_price_wind", "Daily mean day-ahead price against wind energy, in the partition of the country", false, """
        SELECT day, bidding_zone, mean_price, price_unit, wind_onshore_mwh, wind_offshore_mwh FROM pipeline.grid_daily_price_wind WHERE area = $2 AND day BETWEEN $5 AND $6
        """, "bidding_zone",
        [new DataField<string>("bidding_zone", false), new DataField<double>("mean_price", false), new DataField<string>("price_unit", false),
         new DataField<double>("wind_onshore_mwh", true), new DataField<double>("wind_offshore_mwh", true)]);
}
