using Grid.EnergyCharts;
using Npgsql;
using TestSupport;
using Workers.Storage;

namespace Grid.Tests;

/// <summary>One PostgreSQL cluster per collection; each test gets a fresh database with the pipeline schema applied.</summary>
public sealed class GridDatabase : IAsyncLifetime
{
    readonly PostgresFixture _postgres = new();

    public Task InitializeAsync() => _postgres.InitializeAsync();

    public Task DisposeAsync() => _postgres.DisposeAsync();

    public async Task<NpgsqlDataSource> CreateAsync()
    {
        var dataSource = NpgsqlDataSource.Create(await _postgres.CreateDatabaseAsync("grid"));
        await PipelineSchema.ApplyAsync(dataSource, CancellationToken.None);
        return dataSource;
    }
}

[CollectionDefinition(Name)]
public sealed class GridDatabaseCollection : ICollectionFixture<GridDatabase>
{
    public const string Name = "grid database";
}

/// <summary>The recorded Energy-Charts payloads (Feeds/EnergyCharts/Recorded, copied beside the tests).</summary>
static class Recorded
{
    public static readonly DateTimeOffset FirstFetch = new(2025, 12, 4, 6, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset SecondFetch = new(2025, 12, 18, 6, 0, 0, TimeSpan.Zero);

    public static byte[] Bytes(string file) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Recorded", file));

    public static FetchedPayload PublicPower(DateOnly day, int revision = 1, DateTimeOffset? fetchedAt = null) =>
        Payload(GridRequest.PublicPower("de", day, day), $"public_power_de_{day:yyyy-MM-dd}{(revision == 2 ? "_v2" : "")}.json", fetchedAt ?? FirstFetch);

    public static FetchedPayload Price(DateOnly day) => Payload(GridRequest.Price("DE-LU", day, day), $"price_de-lu_{day:yyyy-MM-dd}.json", FirstFetch);

    public static FetchedPayload Payload(GridRequest request, string file, DateTimeOffset fetchedAt) => With(request, Bytes(file), fetchedAt);

    public static FetchedPayload With(GridRequest request, byte[] body, DateTimeOffset fetchedAt) =>
        new(request, new Uri(new Uri(EnergyChartsOptions.PublicApi), request.PathAndQuery), fetchedAt, body);

    public static IEnumerable<string> Files(string prefix) =>
        Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Recorded"), prefix + "*.json").Select(Path.GetFileName).Order()!;
}
