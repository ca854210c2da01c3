using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Npgsql;
using Web.Security;

namespace AppHost.Tests;

/// <summary>What the tests do to a running graph: configure an operator, start a pipeline run through Web, count rows.</summary>
static class PipelineRuns
{
    public const string Operator = "alice"; // the operator the README uses
    public static readonly string Password = "op-" + Guid.NewGuid().ToString("N");

    /// <summary>AppHost arguments: a private data directory, the feed on any free port at low intensity, one operator.</summary>
    public static string[] AppHostArguments(string dataDirectory) =>
    [
        $"--DataDirectory={dataDirectory}",
        "--TradeFeed:Port=0",
        "--TradeFeed:Intensity=0.05",
        $"--Operators:{Operator}:PasswordHash={OperatorPasswords.Hash(Password, 20_000)}",
    ];

    /// <summary>Starts a backfill of the feed's day through Web's API and waits until Temporal reports it completed; returns the run as Web lists it.</summary>
    public static async Task<JsonElement> BackfillFeedDayAsync(HttpClient web)
    {
        web.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Operator}:{Password}")));
        string workflowId;
        using (var started = await web.PostAsJsonAsync("/api/pipeline/backfills", new { firstDay = "2023-01-01", lastDay = "2023-01-01" }))
        {
            Assert.True(started.StatusCode == HttpStatusCode.Accepted, $"{started.StatusCode}: {await started.Content.ReadAsStringAsync()}");
            workflowId = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("workflowId").GetString()!;
        }
        var run = await EventuallyAsync(async () => Run(await web.GetFromJsonAsync<JsonElement>("/api/pipeline/runs"), workflowId),
            r => r?.GetProperty("status").GetString() is "Completed" or "Failed" or "Terminated" or "TimedOut", TimeSpan.FromSeconds(180));
        Assert.True(run?.GetProperty("status").GetString() == "Completed", $"backfill {workflowId}: {run}");
        return run!.Value;
    }

    static JsonElement? Run(JsonElement recent, string workflowId) =>
        recent.GetProperty("items").EnumerateArray().Where(r => r.GetProperty("workflowId").GetString() == workflowId).Cast<JsonElement?>().FirstOrDefault();

    /// <summary>Runs a count query; 0 while Workers have not created the pipeline schema yet.</summary>
    public static async Task<long> CountAsync(string connectionString, string countQuery)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var count = new NpgsqlCommand(countQuery, connection);
            return (long)(await count.ExecuteScalarAsync())!;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return 0;
        }
    }

    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var value = await read();
        while (!done(value) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
            value = await read();
        }
        return value;
    }

    /// <summary>A temporary data directory the postgres user can traverse (the server runs as that user when tests run as root).</summary>
    public static string NewDataDirectory()
    {
        var directory = Directory.CreateTempSubdirectory("apphost.");
        directory.UnixFileMode |= UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return directory.FullName;
    }
}
