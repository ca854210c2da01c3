namespace Feeds.EnergyCharts;

/// <summary>
/// Settings of the Energy-Charts stand-in (configuration section <c>EnergyCharts</c>). <see cref="Revision"/> 1 serves
/// the first recorded fetch of every day; 2 serves the recorded revision (<c>_v2</c>) of the days that have one, as the
/// public API did two weeks later.
/// </summary>
public sealed record StandInOptions
{
    public const string Section = "EnergyCharts";

    public int Revision { get; init; } = 1;

    public static StandInOptions FromConfiguration(IConfiguration configuration)
    {
        var text = configuration.GetSection(Section)["Revision"];
        if (string.IsNullOrWhiteSpace(text)) return new StandInOptions();
        return text.Trim() is "1" or "2" ? new StandInOptions { Revision = int.Parse(text.Trim()) }
            : throw new EnergyChartsConfigurationException($"{Section}:Revision '{text}' is not 1 (the first fetch) or 2 (the recorded revision)");
    }
}

/// <summary>The stand-in cannot serve what it was configured to.</summary>
public sealed class EnergyChartsConfigurationException(string message) : Exception(message);
