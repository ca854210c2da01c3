using Microsoft.Playwright;

namespace TestSupport;

/// <summary>
/// Debian's Chromium (installed by scripts/prerequisites.sh) driven by Playwright, started on first use and shared by
/// every context; Playwright's own browser download is not reachable here.
/// </summary>
public sealed class HeadlessChromium : IAsyncDisposable
{
    /// <summary>
    /// Where browser tests save their screenshots: artifacts/screenshots (git-ignored), or SCREENSHOTS_DIR, which
    /// scripts/screenshots.sh points at docs/screenshots to refresh the images README.md and docs/ show.
    /// </summary>
    public static readonly string Screenshots = Environment.GetEnvironmentVariable("SCREENSHOTS_DIR") is { Length: > 0 } directory
        ? Path.GetFullPath(directory)
        : Path.Combine(ServiceProcess.RepositoryRoot, "artifacts", "screenshots");

    readonly SemaphoreSlim _lock = new(1, 1);
    IPlaywright? _playwright;
    IBrowser? _browser;

    /// <summary>A fresh context (own cookies) whose relative URLs resolve against <paramref name="baseUrl"/>.</summary>
    public async Task<IBrowserContext> NewContextAsync(Uri baseUrl)
    {
        await _lock.WaitAsync();
        try
        {
            if (_browser is null)
            {
                _playwright = await Playwright.CreateAsync();
                _browser = await _playwright.Chromium.LaunchAsync(new()
                {
                    ExecutablePath = "/usr/bin/chromium",
                    Headless = true,
                    Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
                });
            }
        }
        finally { _lock.Release(); }
        var context = await _browser.NewContextAsync(new() { BaseURL = baseUrl.ToString(), ViewportSize = new() { Width = 1280, Height = 900 } });
        context.SetDefaultTimeout(15_000);
        return context;
    }

    /// <summary>Saves a full-page screenshot as <paramref name="name"/>.png in <see cref="Screenshots"/>.</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(Screenshots);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, name + ".png"), FullPage = true });
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
    }
}
