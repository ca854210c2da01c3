using System.Collections.Concurrent;
using LocalServers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Grid.Tests;

/// <summary>A real HTTP server on a free port that answers each request with the next scripted response, and records what it was asked.</summary>
sealed class ScriptedApi : IAsyncDisposable
{
    public sealed record Answer(int Status, string Body, string? RetryAfter = null);

    readonly WebApplication _app;
    readonly ConcurrentQueue<Answer> _answers;

    ScriptedApi(IEnumerable<Answer> answers)
    {
        _answers = new ConcurrentQueue<Answer>(answers);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        BaseUrl = new Uri($"http://127.0.0.1:{FreePort.Next()}/");
        builder.WebHost.UseUrls(BaseUrl.ToString());
        _app = builder.Build();
        _app.Run(async context =>
        {
            Requests.Enqueue((context.Request.Path + context.Request.QueryString, DateTime.UtcNow));
            var answer = _answers.TryDequeue(out var next) ? next : new Answer(500, "script exhausted");
            context.Response.StatusCode = answer.Status;
            if (answer.RetryAfter is not null) context.Response.Headers.RetryAfter = answer.RetryAfter;
            await context.Response.WriteAsync(answer.Body);
        });
    }

    public Uri BaseUrl { get; }

    public ConcurrentQueue<(string PathAndQuery, DateTime At)> Requests { get; } = new();

    public static async Task<ScriptedApi> StartAsync(params Answer[] answers)
    {
        var api = new ScriptedApi(answers);
        await api._app.StartAsync();
        return api;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
