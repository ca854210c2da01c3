namespace Grid.EnergyCharts;

/// <summary>Energy-Charts did not answer with a payload: a 4xx, or 5xx/429/timeouts after every retry.</summary>
public sealed class EnergyChartsRequestException(string message, int? statusCode = null, Exception? inner = null) : Exception(message, inner)
{
    public int? StatusCode => statusCode;
}

/// <summary>
/// A payload that is not what the pipeline knows how to read (malformed JSON, a missing or renamed property, arrays
/// of different lengths). The message names the dataset, the URL and what is wrong; nothing of it reaches the tables.
/// </summary>
public sealed class EnergyChartsShapeException(string message) : Exception(message);
