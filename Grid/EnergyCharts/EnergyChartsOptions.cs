namespace Grid.EnergyCharts;

/// <summary>
/// Where Energy-Charts is and how patiently to ask it (configuration section <c>EnergyCharts</c>). Production uses the
/// public API; locally the Feeds stand-in serves the same paths.
/// </summary>
public sealed record EnergyChartsOptions
{
    public const string PublicApi = "https://api.energy-charts.info/";

    public Uri BaseUrl { get; init; } = new(PublicApi);

    /// <summary>One attempt, from sending the request to the last byte of the body.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries (at least 1) after the first attempt on 408, 429, 5xx, timeouts and connection failures.</summary>
    public int MaxRetries { get; init; } = 4;

    /// <summary>The first backoff; doubled (with jitter) per retry unless the server's Retry-After says otherwise.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(2);
}
