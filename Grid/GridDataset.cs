namespace Grid;

/// <summary>The three Energy-Charts endpoints the pipeline ingests; the value is the endpoint's path and the datasets' key in every table.</summary>
public static class GridDataset
{
    public const string PublicPower = "public_power";
    public const string Price = "price";
    public const string InstalledPower = "installed_power";

    public static IReadOnlyList<string> All { get; } = [PublicPower, Price, InstalledPower];
}

/// <summary>
/// One request to Energy-Charts: a dataset for an area (country <c>de</c> or bidding zone <c>DE-LU</c>) and, for the
/// time series, the first and last local day (Europe/Berlin), both inclusive.
/// </summary>
public sealed record GridRequest(string Dataset, string Area, DateOnly? FirstDay = null, DateOnly? LastDay = null)
{
    public static GridRequest PublicPower(string country, DateOnly first, DateOnly last) => new(GridDataset.PublicPower, country, first, last);

    public static GridRequest Price(string biddingZone, DateOnly first, DateOnly last) => new(GridDataset.Price, biddingZone, first, last);

    /// <summary>Installed capacity per year (the API's <c>time_step=yearly</c>), net of decommissioning.</summary>
    public static GridRequest InstalledPower(string country) => new(GridDataset.InstalledPower, country);

    /// <summary>The endpoint's path and query, relative to the API's base URL.</summary>
    public string PathAndQuery => Dataset switch
    {
        GridDataset.PublicPower => $"public_power?country={Uri.EscapeDataString(Area)}&start={Day(FirstDay)}&end={Day(LastDay)}",
        GridDataset.Price => $"price?bzn={Uri.EscapeDataString(Area)}&start={Day(FirstDay)}&end={Day(LastDay)}",
        GridDataset.InstalledPower => $"installed_power?country={Uri.EscapeDataString(Area)}&time_step=yearly&installation_decommission=false",
        _ => throw new ArgumentException($"unknown Energy-Charts dataset '{Dataset}' (known: {string.Join(", ", GridDataset.All)})"),
    };

    string Day(DateOnly? day) => day is { } d ? d.ToString("yyyy-MM-dd") : throw new ArgumentException($"{Dataset} needs a first and a last day");
}
