using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Grid;

/// <summary>Spans and metrics of the grid pipeline; ServiceDefaults exports every <c>Pipeline.*</c> source and meter.</summary>
static class GridTelemetry
{
    public const string Name = "Pipeline.Grid";
    public static readonly ActivitySource Source = new(Name);
    static readonly Meter Meter = new(Name);
    public static readonly Counter<long> Fetches = Meter.CreateCounter<long>("pipeline.grid.fetches", "{request}", "Energy-Charts requests answered (any status), per attempt");
    public static readonly Counter<long> PointsInserted = Meter.CreateCounter<long>("pipeline.grid.points_inserted", "{point}", "points new to the silver table");
    public static readonly Counter<long> PointsRevised = Meter.CreateCounter<long>("pipeline.grid.points_revised", "{point}", "stored points whose value a later fetch changed (logged with the old value)");
    public static readonly Counter<long> PartitionsExported = Meter.CreateCounter<long>("pipeline.grid.partitions_exported", "{file}", "Parquet partitions written to the lake because their rows changed");
    public static readonly Counter<long> Rejected = Meter.CreateCounter<long>("pipeline.grid.rejected", "{payload}", "payloads kept in bronze but rejected: their shape was not the expected one");
}
