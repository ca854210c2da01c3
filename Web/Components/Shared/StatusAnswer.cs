namespace Web.Components.Shared;

/// <summary>
/// What a page answers when it cannot show what was asked (an unknown product): a title, what was asked and why it is
/// not there, and where to go instead. <see cref="Respond"/> sets the status while the page is rendered for the
/// request; Blazor then leaves the body to the status page (<c>/status/{code}</c>, see Web.Api.ApiErrors), which shows this answer.
/// </summary>
public sealed record StatusAnswer(string Title, string Detail, IReadOnlyList<StatusLink> Links)
{
    static readonly object Key = new();

    /// <summary>Answers <paramref name="status"/> with <paramref name="answer"/>; a no-op once interactive (no request) or when the response has started.</summary>
    public static void Respond(HttpContext? http, int status, StatusAnswer answer)
    {
        if (http is null || http.Response.HasStarted) return;
        http.Items[Key] = answer;
        http.Response.StatusCode = status;
    }

    public static StatusAnswer? Of(HttpContext? http) => http?.Items[Key] as StatusAnswer;
}

public sealed record StatusLink(string Href, string Text);
