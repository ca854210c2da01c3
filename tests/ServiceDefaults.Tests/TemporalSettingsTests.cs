using Microsoft.Extensions.Configuration;
using ServiceDefaults.Temporal;

namespace ServiceDefaults.Tests;

/// <summary><c>ConnectionStrings:temporal</c> and <c>Temporal:*</c> as the services read them: where TLS ends up on or off.</summary>
public sealed class TemporalSettingsTests
{
    static TemporalSettings Read(params (string Key, string Value)[] settings) => TemporalSettings.Read(
        new ConfigurationBuilder().AddInMemoryCollection(settings.ToDictionary(s => s.Key, s => (string?)s.Value)).Build(), "temporal");

    [Fact]
    public void An_api_key_alone_leaves_tls_to_the_sdk_which_turns_it_on_for_temporal_cloud()
    {
        var settings = Read(("ConnectionStrings:temporal", "ns.acct.tmprl.cloud:7233"), ("Temporal:ApiKey", "key"));
        Assert.Equal("key", settings.ApiKey);
        Assert.Null(settings.Tls);
    }

    [Fact]
    public void Tls_enabled_false_keeps_tls_off_with_an_api_key_for_a_keyed_local_server()
    {
        var settings = Read(("ConnectionStrings:temporal", "127.0.0.1:7233"), ("Temporal:ApiKey", "key"), ("Temporal:Tls:Enabled", "false"));
        Assert.NotNull(settings.Tls);
        Assert.True(settings.Tls.Disabled);
    }

    [Fact]
    public void An_https_address_turns_tls_on_and_names_host_and_port_as_the_target()
    {
        var settings = Read(("ConnectionStrings:temporal", "https://temporal.example.com:7233"));
        Assert.Equal("temporal.example.com:7233", settings.TargetHost);
        Assert.NotNull(settings.Tls);
        Assert.False(settings.Tls.Disabled);
    }
}
