using System.Net.Http.Headers;
using System.Text;
using Microsoft.Playwright;
using Npgsql;
using Temporalio.Client;
using TestSupport;
using Web.Security;
using Workers.Storage;

namespace Web.Tests;

/// <summary>
/// One Web process per collection, against real PostgreSQL (the pipeline schema from Workers' migrations, seeded
/// rows), the local Kafka broker and S3, the built TemporalServer (seeded runs), with two configured accounts whose hashes are generated here: an operator
/// and a viewer. The browser is started on first use and shared.
/// </summary>
public sealed class WebAppFixture : IAsyncLifetime
{
    public const string OperatorName = "ops";
    public const string ViewerName = "watcher";
    public string OperatorPassword { get; } = "op-" + Guid.NewGuid().ToString("N");
    public string ViewerPassword { get; } = "view-" + Guid.NewGuid().ToString("N");

    readonly PostgresFixture _postgres = new();
    readonly KafkaFixture _kafka = new();
    readonly S3Fixture _s3 = new();
    ServiceProcess? _web;
    TemporalServerFixture? _temporal;
    readonly HeadlessChromium _chromium = new();

    public string Database { get; private set; } = "";
    public NpgsqlDataSource DataSource { get; private set; } = null!;
    public ITemporalClient Temporal { get; private set; } = null!;
    public string TemporalTarget => _temporal!.Target;
    public Uri Url => _web!.Url;
    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Task.WhenAll(_postgres.InitializeAsync(), _s3.InitializeAsync());
        Database = await _postgres.CreateDatabaseAsync("web");
        DataSource = NpgsqlDataSource.Create(Database);
        await PipelineSchema.ApplyAsync(DataSource, CancellationToken.None);
        await SeedData.InsertAsync(DataSource);
        _temporal = await TemporalServerFixture.StartAsync(await _postgres.CreateDatabaseAsync("temporal"));
        Temporal = await TemporalClient.ConnectAsync(new(_temporal.Target));
        await SeedData.StartRunsAsync(Temporal);
        _web = await StartWebAsync();
        Http = new HttpClient { BaseAddress = _web.Url, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Starts a Web process on this fixture's servers and database (the shared one, or another with different settings).</summary>
    public Task<ServiceProcess> StartWebAsync(IReadOnlyDictionary<string, string>? overrides = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__postgres"] = Database,
            ["ConnectionStrings__kafka"] = _kafka.BootstrapServers,
            ["ConnectionStrings__lake"] = _s3.ConnectionString,
            ["ConnectionStrings__temporal"] = _temporal!.Target,
            ["Temporal__UiUrl"] = "http://temporal-ui.test",
            ["Dashboard__Url"] = "http://dashboard.test",
            // Fewer PBKDF2 iterations than production's default keep sign-in fast in tests; the format is the same.
            [$"Operators__{OperatorName}__PasswordHash"] = OperatorPasswords.Hash(OperatorPassword, 20_000),
            [$"Operators__{ViewerName}__PasswordHash"] = OperatorPasswords.Hash(ViewerPassword, 20_000),
            [$"Operators__{ViewerName}__Role"] = "viewer",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>()) environment[key] = value;
        return ServiceProcess.StartAsync("Web", environment);
    }

    public string WebOutput => _web?.Output ?? "";

    public static AuthenticationHeaderValue Basic(string name, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{name}:{password}")));

    public AuthenticationHeaderValue OperatorAuth => Basic(OperatorName, OperatorPassword);
    public AuthenticationHeaderValue ViewerAuth => Basic(ViewerName, ViewerPassword);

    /// <summary>A fresh browser context (own cookies) on the shared Debian Chromium.</summary>
    public Task<IBrowserContext> NewContextAsync() => _chromium.NewContextAsync(Url);

    public async Task DisposeAsync()
    {
        await _chromium.DisposeAsync();
        Http?.Dispose();
        if (_web is not null) await _web.DisposeAsync();
        if (_temporal is not null) await _temporal.DisposeAsync();
        if (DataSource is not null) await DataSource.DisposeAsync();
        _kafka.Dispose();
        await Task.WhenAll(_postgres.DisposeAsync(), _s3.DisposeAsync());
    }
}

[CollectionDefinition(Name)]
public sealed class WebAppCollection : ICollectionFixture<WebAppFixture>
{
    public const string Name = "web app";
}
