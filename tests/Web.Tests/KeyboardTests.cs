using Microsoft.Playwright;

namespace Web.Tests;

/// <summary>The reports work without a mouse: skip link, tab order, sorting and filtering from the keyboard.</summary>
[Collection(WebAppCollection.Name)]
public sealed class KeyboardTests(WebAppFixture app)
{
    [Fact]
    public async Task The_trades_page_can_be_skipped_to_sorted_and_filtered_with_the_keyboard_alone()
    {
        await using var context = await app.NewContextAsync();
        var page = await Pages.OpenAsync(context, "/trades");

        // A page opens at its heading (Blazor's FocusOnNavigate), so the first Tab lands in the page, past the menu.
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Delivery day", await FocusedTextAsync(page));

        // Going back up reaches the menu and, before it, the skip link, which shows itself when focused and jumps to the content.
        var skip = page.Locator("a.skip");
        await skip.FocusAsync();
        Assert.True((await skip.BoundingBoxAsync())!.X >= 0, "the focused skip link is off screen");
        await page.Keyboard.PressAsync("Enter");
        Assert.Equal("content", await page.EvaluateAsync<string>("() => document.activeElement.id"));

        // From the main content, Tab reaches the filters first, then the table's sort buttons.
        var rows = page.Locator("table.data tbody tr");
        var firstVolume = await rows.First.Locator("[data-total-volume]").InnerTextAsync();
        await TabToAsync(page, "Total volume");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(rows.First.Locator("[data-total-volume]")).Not.ToHaveTextAsync(firstVolume);
        Assert.Equal(1, await page.Locator("th[aria-sort=ascending]").CountAsync());

        await page.Locator("#content").FocusAsync(); // back to the top of the content, where the skip link lands
        await TabToAsync(page, "Area");
        await page.Keyboard.TypeAsync("DE");
        await TabToAsync(page, "Apply filters");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        Assert.Equal("XBID_Quarter_Hour_Power", await rows.First.GetAttributeAsync("data-product"));
    }

    /// <summary>The focused element's accessible text: its label for a form field, else its own text.</summary>
    static Task<string> FocusedTextAsync(IPage page) => page.EvaluateAsync<string>("""
        () => { const e = document.activeElement;
                return ((e.labels && e.labels.length ? e.labels[0].innerText : e.innerText) || '').trim(); }
        """);

    /// <summary>Presses Tab until the focused element's text starts with <paramref name="text"/>; fails after 60 presses.</summary>
    static async Task TabToAsync(IPage page, string text)
    {
        var seen = new List<string>();
        for (var i = 0; i < 60; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            var focused = await FocusedTextAsync(page);
            if (focused.StartsWith(text, StringComparison.Ordinal)) return;
            seen.Add(focused);
        }
        Assert.Fail($"Tab never reached \"{text}\"; focus went through: {string.Join(" | ", seen)}");
    }
}
