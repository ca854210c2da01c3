namespace TemporalServer.Http;

/// <summary>
/// <c>GET /api/v1/settings</c>, which only Temporal's Go ui-server answers: plain (PascalCase) JSON. The UI
/// double-encodes ids in URLs unless <c>Version</c> is at least 2.23.0, so it names the UI package it serves.
/// <c>Auth.Enabled</c> (an API key is set) makes the UI sign in first (Authentication/UiLogin).
/// </summary>
static class UiSettings
{
    public const string UiVersion = "2.38.0";

    public static object For(string defaultNamespace, bool authEnabled) => new
    {
        Auth = new { Enabled = authEnabled, Options = Array.Empty<string>() },
        DefaultNamespace = defaultNamespace,
        Codec = new { Endpoint = "", PassAccessToken = false, IncludeCredentials = false, DefaultErrorMessage = "", DefaultErrorLink = "" },
        Version = UiVersion,
        DisableWriteActions = false,
        WorkflowTerminateDisabled = false,
        WorkflowCancelDisabled = false,
        WorkflowSignalDisabled = false,
        WorkflowUpdateDisabled = false,
        WorkflowResetDisabled = false,
        BatchActionsDisabled = true,
        StartWorkflowDisabled = false,
        HideWorkflowQueryErrors = false,
        RefreshWorkflowCountsDisabled = false,
        ShowTemporalSystemNamespace = false,
        NotifyOnNewVersion = false,
        FeedbackURL = "",
        BannerText = "",
    };
}
