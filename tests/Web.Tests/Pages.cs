using Microsoft.Playwright;

namespace Web.Tests;

/// <summary>What every browser test does with a page: open it once it is interactive, and tell whether a chart drew.</summary>
static class Pages
{
    /// <summary>A new page at <paramref name="path"/>, returned once the circuit is connected (events work).</summary>
    public static async Task<IPage> OpenAsync(IBrowserContext context, string path)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync(path);
        await page.Locator(".page[data-ready=true]").WaitForAsync();
        return page;
    }

    /// <summary>Whether any pixel of the canvas is painted.</summary>
    public static Task<bool> CanvasHasInkAsync(ILocator canvas) => canvas.EvaluateAsync<bool>("""
        c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
               for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) return true; return false; }
        """);
}
