using System.Globalization;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Telemetry.Storage;

/// <summary>
/// How long the receiver keeps telemetry: rows older than <see cref="MaxAge"/> (by span start, log time, point time) are
/// deleted every <see cref="Interval"/>, <see cref="BatchSize"/> rows per statement. <see cref="MaxAge"/> null keeps everything.
/// </summary>
public sealed record RetentionPolicy
{
    public const string HoursKey = "Telemetry:RetentionHours";
    public const double DefaultHours = 24;

    public TimeSpan? MaxAge { get; init; } = TimeSpan.FromHours(DefaultHours);
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(5);
    public int BatchSize { get; init; } = 5_000;

    /// <summary><c>Telemetry:RetentionHours</c>: hours (fractions allowed), default 24; 0 keeps everything.</summary>
    public static RetentionPolicy FromConfiguration(IConfiguration configuration)
    {
        var text = configuration[HoursKey];
        if (string.IsNullOrWhiteSpace(text)) return new();
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var hours) || hours < 0 || !double.IsFinite(hours))
            throw new InvalidOperationException($"{HoursKey} is '{text}': expected a number of hours ≥ 0 (0 keeps everything), e.g. 24 or 0.5.");
        return new() { MaxAge = hours == 0 ? null : TimeSpan.FromHours(hours) };
    }

    public override string ToString() =>
        MaxAge is { } age ? string.Create(CultureInfo.InvariantCulture, $"kept {age.TotalHours:0.##} h") : "kept until deleted by hand";
}

/// <summary>What one retention pass deleted.</summary>
public sealed record RetentionResult(long Spans, long Logs, long MetricPoints)
{
    public long Total => Spans + Logs + MetricPoints;
}

/// <summary>
/// Deletes telemetry older than a cutoff in bounded batches: each batch is its own short statement, so concurrent
/// inserts of the receiver never wait behind one long delete, and a large backlog does not bloat one transaction.
/// </summary>
public sealed class TelemetryRetention(NpgsqlDataSource dataSource)
{
    public async Task<RetentionResult> DeleteOlderThanAsync(DateTimeOffset cutoff, int batchSize, CancellationToken ct = default) =>
        new(await DeleteAsync("spans", "start_time", cutoff, batchSize, ct),
            await DeleteAsync("logs", "time", cutoff, batchSize, ct),
            await DeleteAsync("metric_points", "time", cutoff, batchSize, ct));

    /// <summary><paramref name="table"/> and <paramref name="timeColumn"/> are constants of ours, never user input.</summary>
    async Task<long> DeleteAsync(string table, string timeColumn, DateTimeOffset cutoff, int batchSize, CancellationToken ct)
    {
        // ctid (the row's physical address) picks the batch: the same statement serves tables with and without an id.
        var sql = $"""
            DELETE FROM telemetry.{table}
            WHERE ctid = ANY (ARRAY(SELECT ctid FROM telemetry.{table} WHERE {timeColumn} < $1 LIMIT $2))
            """;
        long deleted = 0;
        int batch;
        do
        {
            await using var command = dataSource.CreateCommand(sql);
            command.Parameters.Add(new() { Value = cutoff.UtcDateTime });
            command.Parameters.Add(new() { Value = batchSize });
            batch = await command.ExecuteNonQueryAsync(ct);
            deleted += batch;
        } while (batch == batchSize);
        return deleted;
    }
}
