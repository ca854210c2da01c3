using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace Web.Components.Shared;

/// <summary>
/// Keeps a page's filters, sort, page and time zone in its address, so a view can be shared and reloaded: the page
/// reads them as query parameters and writes them back here whenever the user changes one.
/// </summary>
public static class PageAddress
{
    /// <summary>
    /// Replaces the address's query with <paramref name="query"/> (null values are left out). The address only, through
    /// history.replaceState: a navigation would re-run the page on the server for a view the circuit already shows.
    /// </summary>
    public static ValueTask ReplaceAsync(IJSRuntime js, NavigationManager navigation, IReadOnlyDictionary<string, object?> query) =>
        js.InvokeVoidAsync("history.replaceState", null, "", navigation.GetUriWithQueryParameters(query));

    /// <summary>The <c>tz</c> parameter: absent for UTC, the default.</summary>
    public static string? Zone(DisplayZone zone) => zone == DisplayZone.UTC ? null : zone.ToString();

    /// <summary>The <c>page</c> parameter: absent for the first page.</summary>
    public static int? Page(int number) => number == 1 ? null : number;
}
