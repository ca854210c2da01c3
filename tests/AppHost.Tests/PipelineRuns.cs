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
    public const string Operator = "ops";
    public static readonly string Password = "op-" + Guid.NewGuid().ToString("N");

    /// <summary>AppHost arguments: a private data directory, the feed on any free port at low intensity, one operator.</summary>
    public static string[] AppHostArguments(string dataDirectory) =>
    [
        $"--DataDirectory={dataDirectory}",
        "--TradeFeed:Port=0",
        "--TradeFeed:Intensity=0.05",
        $"--Operators:{Operator}:PasswordHash={OperatorPasswords.Hash(Password, 20_000)}",
    ];

    /// <summary>Starts a backfill of the feed's day through Web's API and waits for it to complete; returns the run as Web describes it.</summary>
    public static async Task<JsonElement> BackfillFeedDayAsync(HttpClient web)
    {
        var id = "test-" + Guid.NewGuid().ToString("N")[..8];
        using (var start = new HttpRequestMessage(HttpMethod.Post, "/api/workflows")
        {
            Content = JsonContent.Create(new { workflowType = "TradePipelineWorkflow", workflowId = id, taskQueue = "pipeline", args = new[] { new { mode = "Backfill", firstDay = "2023-01-01", lastDay = "2023-01-01" } } }),
        })
        {
            start.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Operator}:{Password}")));
            using var started = await web.SendAsync(start);
            Assert.True(started.StatusCode == HttpStatusCode.Created, $"{started.StatusCode}: {await started.Content.ReadAsStringAsync()}");
        }
        var run = await EventuallyAsync(() => web.GetFromJsonAsync<JsonElement>($"/api/workflows/{id}"),
            d => d.GetProperty("run").GetProperty("status").GetString() is "Completed" or "Failed", TimeSpan.FromSeconds(120));
        Assert.True(run.GetProperty("run").GetProperty("status").GetString() == "Completed", run.ToString());
        return run;
    }

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
