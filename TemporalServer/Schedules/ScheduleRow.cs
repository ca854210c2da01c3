using Temporalio.Api.Common.V1;
using Temporalio.Api.Schedule.V1;

namespace TemporalServer.Schedules;

/// <summary>One schedule as stored in temporal.schedules (see Storage/Migrations/100_schedules.sql).</summary>
sealed class ScheduleRow
{
    public required string Namespace { get; init; }
    public required string ScheduleId { get; init; }
    public required Schedule Schedule { get; set; }
    public required ScheduleInfo Info { get; init; }
    public Memo? Memo { get; init; }
    public SearchAttributes? SearchAttributes { get; init; }
    public long ConflictToken { get; set; }
    public DateTime ProcessedUntil { get; set; }
    public List<DateTime> Buffered { get; init; } = [];
}
