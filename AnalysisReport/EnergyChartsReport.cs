namespace AnalysisReport;

/// <summary>
/// Energy-Charts (recorded days of public power, prices and installed power): the parsing and transformations are
/// being built in Grid/ (issue 12). This section stays a marked placeholder until they land; then it reads the
/// recorded days through Grid's code and draws production mix versus price.
/// </summary>
static class EnergyChartsReport
{
    public static string Write() => """
        ## Energy-Charts: production mix versus price (to come)

        **Not generated yet.** The recorded Energy-Charts days and their transformations (daily production, price
        versus wind, 30-minute underperformance) are being built in `Grid/` (docs/grid.md). Once they are in, this
        section will read the recorded days through that code and show the production mix against the day-ahead price.
        Nothing in this report is derived from Energy-Charts data today.

        """;
}
