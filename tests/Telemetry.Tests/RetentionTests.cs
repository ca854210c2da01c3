using Microsoft.Extensions.Configuration;
using Npgsql;
using Telemetry.Storage;
using TestSupport;

namespace Telemetry.Tests;

/// <summary>Retention against real PostgreSQL: old spans, logs and metric points go, recent ones stay.</summary>
[Collection("telemetry")]
public sealed class RetentionTests(PostgresFixture postgres)
{
    static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    static long Ns(DateTimeOffset at) => (at - DateTimeOffset.UnixEpoch).Ticks * 100;

    /// <summary>Rows at each of <paramref name="times"/> in the three tables; span and log ids/bodies carry <paramref name="tag"/>.</summary>
    static async Task SeedAsync(NpgsqlDataSource dataSource, string tag, params DateTimeOffset[] times)
    {
        var writer = new TelemetryWriter(dataSource);
        var empty = new Dictionary<string, string>();
        await writer.WriteSpansAsync(times.Select((t, i) => new SpanRecord(Guid.NewGuid().ToString("N"), $"{i:x16}", null, tag, SpanKind.Internal, "svc", null,
            Ns(t), Ns(t) + 1_000_000, SpanStatus.Unset, null, empty)).ToList());
        await writer.WriteLogsAsync(times.Select(t => new LogRecordRow(Ns(t), "svc", null, 9, null, tag, empty, null, null)).ToList());
        await writer.WriteMetricPointsAsync(times.Select(t => new MetricPointRecord("svc", null, tag, null, null, MetricKind.Gauge, MetricTemporality.Unspecified,
            false, empty, 0, Ns(t), 1, null)).ToList());
    }

    static async Task<(long Spans, long Logs, long Points)> CountAsync(NpgsqlDataSource dataSource, string tag)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT (SELECT count(*) FROM telemetry.spans WHERE name = $1), (SELECT count(*) FROM telemetry.logs WHERE body = $1),
                   (SELECT count(*) FROM telemetry.metric_points WHERE name = $1)
            """);
        command.Parameters.Add(new() { Value = tag });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    [Fact]
    public async Task Rows_older_than_the_cutoff_are_deleted_in_batches_and_recent_ones_stay()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("retention"));
        await TelemetrySchema.ApplyAsync(dataSource);
        await SeedAsync(dataSource, "old", Now.AddHours(-72), Now.AddHours(-48), Now.AddHours(-30), Now.AddHours(-25), Now.AddHours(-24).AddSeconds(-1));
        await SeedAsync(dataSource, "recent", Now.AddHours(-23), Now.AddMinutes(-1));

        var deleted = await new TelemetryRetention(dataSource).DeleteOlderThanAsync(Now.AddHours(-24), batchSize: 2);

        Assert.Equal(new RetentionResult(5, 5, 5), deleted); // three batches per table: 2, 2, 1
        Assert.Equal((0L, 0L, 0L), await CountAsync(dataSource, "old"));
        Assert.Equal((2L, 2L, 2L), await CountAsync(dataSource, "recent"));
        Assert.Equal(new RetentionResult(0, 0, 0), await new TelemetryRetention(dataSource).DeleteOlderThanAsync(Now.AddHours(-24), batchSize: 2));
    }

    [Fact]
    public async Task The_receiver_expires_old_rows_on_its_timer_and_keeps_accepting_exports_meanwhile()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("retentiontimer"));
        await using var receiver = new OtlpReceiver(dataSource)
        {
            Retention = new RetentionPolicy { MaxAge = TimeSpan.FromHours(1), Interval = TimeSpan.FromMilliseconds(200), BatchSize = 3 },
        };
        await receiver.StartAsync(port: 0);
        await SeedAsync(dataSource, "old", [.. Enumerable.Range(1, 10).Select(h => Now.AddHours(-1 - h))]);
        await SeedAsync(dataSource, "recent", Now.AddMinutes(-59), Now);

        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (await CountAsync(dataSource, "old") != (0, 0, 0) && DateTime.UtcNow < deadline)
        {
            using var export = await http.PostAsync(new Uri(receiver.Endpoint, "/v1/metrics"), new ByteArrayContent([]));
            Assert.True(export.IsSuccessStatusCode);
            await Task.Delay(50);
        }

        Assert.Equal((0L, 0L, 0L), await CountAsync(dataSource, "old"));
        Assert.Equal((2L, 2L, 2L), await CountAsync(dataSource, "recent"));
        Assert.Equal(30, receiver.RowsExpired);
        Assert.Null(receiver.LastRetentionError);
    }

    [Theory]
    [InlineData(null, 24.0)]
    [InlineData("0.5", 0.5)]
    [InlineData("168", 168.0)]
    [InlineData("0", null)]
    public void RetentionHours_sets_the_maximum_age_and_0_keeps_everything(string? hours, double? expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [RetentionPolicy.HoursKey] = hours }).Build();
        Assert.Equal(expected, RetentionPolicy.FromConfiguration(configuration).MaxAge?.TotalHours);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("a day")]
    [InlineData("NaN")]
    public void A_RetentionHours_that_is_not_a_number_of_hours_stops_the_start_with_a_clear_message(string hours)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [RetentionPolicy.HoursKey] = hours }).Build();
        var error = Assert.Throws<InvalidOperationException>(() => RetentionPolicy.FromConfiguration(configuration));
        Assert.Contains("Telemetry:RetentionHours", error.Message);
    }
}
