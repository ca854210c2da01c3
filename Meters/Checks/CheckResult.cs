using System.Text.Json.Serialization;

namespace Meters.Checks;

/// <summary>What a failed check means: <see cref="Error"/> marks the run as failed.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CheckSeverity>))]
public enum CheckSeverity
{
    Info,
    Warning,
    Error,
}

/// <summary>
/// One check of one series (or of the whole batch when <see cref="Series"/> is null), in one window when it has one.
/// Every check reports, passed or not, so a run's results say what was checked as well as what failed.
/// </summary>
public sealed record CheckResult
{
    public required string Check { get; init; }
    public required CheckSeverity Severity { get; init; }
    public required bool Passed { get; init; }
    public string? Series { get; init; }
    public DateTime? WindowStart { get; init; }
    public DateTime? WindowEnd { get; init; }

    /// <summary>How many things the check found (offending rows, gaps, measured points for completeness).</summary>
    public required long Count { get; init; }

    public required string Message { get; init; }
}

/// <summary>The names of the checks, as stored and shown.</summary>
public static class MeterCheckNames
{
    public const string Parse = "parse";
    public const string UnknownSeries = "unknown-series";
    public const string Completeness = "completeness";
    public const string ValueRange = "value-range";
    public const string Duplicates = "duplicates";
    public const string ConflictingDuplicates = "conflicting-duplicates";
    public const string TimestampOrder = "timestamp-order";
    public const string ReportConsistency = "report-consistency";
    public const string OffGrid = "off-grid";
    public const string GapOverMaximum = "gap-over-maximum";
}
