using Trades.Generation;

namespace Trades.Tests;

internal static class TestFiles
{
    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    public static string TempDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "trades-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }
}

/// <summary>FR on 2023-01-01, seed 42, generated once for the whole test run.</summary>
public sealed class GeneratedFrDay
{
    public GeneratedFrDay()
    {
        Day = TradeGenerator.GenerateDay(new DateOnly(2023, 1, 1), "FR", seed: 42, anomalies: 60);
        Clean = TradeGenerator.GenerateDay(new DateOnly(2023, 1, 1), "FR", seed: 42);
    }

    public GeneratedDay Day { get; }

    public GeneratedDay Clean { get; }
}

[CollectionDefinition(Name)]
public sealed class GeneratedDayCollection : ICollectionFixture<GeneratedFrDay>
{
    public const string Name = "generated FR day";
}
