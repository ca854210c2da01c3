using Temporalio.Api.Common.V1;
using Temporalio.Api.Schedule.V1;
using TemporalServer.Executions;

namespace TemporalServer.Schedules;

/// <summary>One schedule as stored in temporal.schedules (see Storage/Migrations/100_schedules.sql).</summary>
sealed class ScheduleRow
{
    public required string Namespace { get; init; }
    public required string ScheduleId { get; init; }
    public required Schedule Schedule { get; set; }
    public required ScheduleInfo Info { get; init; }
    public Memo? Memo { get; init; }
    public SearchAttributes? SearchAttributes { get; set; }
    public long ConflictToken { get; set; }
    public DateTime ProcessedUntil { get; set; }
    public List<DateTime> Buffered { get; init; } = [];

    /// <summary>What ListSchedules' queries filter on: the search attributes and whether the schedule is paused.</summary>
    public string SearchDocument()
    {
        var document = SearchAttributeJson.ToJsonObject(SearchAttributes ?? new());
        document[Visibility.SearchAttributes.TemporalSchedulePaused] = Schedule.State?.Paused ?? false;
        return document.ToJsonString();
    }
}
