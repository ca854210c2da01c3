using Microsoft.AspNetCore.Components;

namespace Web.Components.Shared;

/// <summary>
/// An Interactive Server page that marks itself ready (<c>data-ready="true"</c>) once its circuit is connected and its
/// first data has loaded, so browser tests (and users' scripts) know events will be handled and values are real.
/// </summary>
public abstract class InteractivePage : ComponentBase
{
    bool _loaded;

    protected string Ready => RendererInfo.IsInteractive && _loaded ? "true" : "false";

    protected sealed override async Task OnInitializedAsync()
    {
        await InitializePageAsync();
        _loaded = true;
    }

    protected abstract Task InitializePageAsync();
}
