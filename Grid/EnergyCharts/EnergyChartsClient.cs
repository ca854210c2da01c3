using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Polly;

namespace Grid.EnergyCharts;

/// <summary>A response body exactly as received, with where and when it was fetched: what bronze keeps.</summary>
public sealed record FetchedPayload(GridRequest Request, Uri Url, DateTimeOffset FetchedAt, byte[] Body);

/// <summary>
/// GETs Energy-Charts endpoints. Each attempt has its own timeout; 408, 429, 5xx, timeouts and connection failures are
/// retried with exponential backoff and jitter, and a Retry-After header sets the delay instead (Polly's HTTP retry
/// strategy from Microsoft.Extensions.Http.Resilience). Give it an HttpClient without a resilience handler of its own.
/// </summary>
public sealed class EnergyChartsClient
{
    readonly HttpClient _http;
    readonly EnergyChartsOptions _options;
    readonly TimeProvider _time;
    readonly ResiliencePipeline<HttpResponseMessage> _pipeline;

    public EnergyChartsClient(HttpClient http, EnergyChartsOptions options, TimeProvider time, ILogger<EnergyChartsClient> logger)
    {
        _http = http;
        _options = options;
        _time = time;
        _pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetries,
                Delay = options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldRetryAfterHeader = true,
                OnRetry = retry =>
                {
                    logger.LogWarning("Energy-Charts: attempt {Attempt} failed ({Outcome}); retrying in {Delay}", retry.AttemptNumber + 1,
                        retry.Outcome.Result is { } r ? $"HTTP {(int)r.StatusCode}" : retry.Outcome.Exception?.GetType().Name, retry.RetryDelay);
                    retry.Outcome.Result?.Dispose();
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(options.AttemptTimeout)
            .Build();
    }

    public async Task<FetchedPayload> FetchAsync(GridRequest request, CancellationToken ct)
    {
        var url = new Uri(_options.BaseUrl, request.PathAndQuery);
        using var span = GridTelemetry.Source.StartActivity("energy-charts fetch", ActivityKind.Client);
        span?.SetTag("grid.dataset", request.Dataset);
        span?.SetTag("grid.area", request.Area);
        span?.SetTag("url.full", url.ToString());
        HttpResponseMessage response;
        try
        {
            response = await _pipeline.ExecuteAsync(async token =>
            {
                var answer = await _http.GetAsync(url, HttpCompletionOption.ResponseContentRead, token);
                GridTelemetry.Fetches.Add(1, new KeyValuePair<string, object?>("http.response.status_code", (int)answer.StatusCode));
                return answer;
            }, ct);
        }
        catch (Exception e) when (e is HttpRequestException or Polly.Timeout.TimeoutRejectedException)
        {
            span?.SetStatus(ActivityStatusCode.Error, e.Message);
            throw new EnergyChartsRequestException($"GET {url} failed after {_options.MaxRetries + 1} attempts: {e.Message}", inner: e);
        }
        using (response)
        {
            var body = await response.Content.ReadAsByteArrayAsync(ct);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                span?.SetStatus(ActivityStatusCode.Error, $"HTTP {(int)response.StatusCode}");
                var retried = IsRetried(response.StatusCode) ? $" after {_options.MaxRetries + 1} attempts" : "";
                throw new EnergyChartsRequestException(
                    $"GET {url} answered {(int)response.StatusCode} {response.ReasonPhrase}{retried}: {Excerpt(body)}", (int)response.StatusCode);
            }
            return new FetchedPayload(request, url, _time.GetUtcNow(), body);
        }
    }

    static bool IsRetried(HttpStatusCode status) => status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    static string Excerpt(byte[] body) => body.Length == 0 ? "(empty body)" : System.Text.Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 200));
}
