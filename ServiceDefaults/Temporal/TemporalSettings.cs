using Microsoft.Extensions.Configuration;
using Temporalio.Client;

namespace ServiceDefaults.Temporal;

/// <summary>
/// Where the Temporal service is and how to reach it: <c>ConnectionStrings:temporal</c> is the frontend's gRPC
/// address (<c>host:port</c>; an <c>https://</c> prefix turns TLS on), <c>Temporal:Namespace</c> the namespace
/// (default "default"). Temporal Cloud or a TLS cluster: <c>Temporal:ApiKey</c> (TLS is then on by itself), or
/// <c>Temporal:Tls:Enabled</c> with optional <c>ServerName</c>, <c>ServerCaCertificateFile</c> and, for mTLS,
/// <c>ClientCertificateFile</c> + <c>ClientKeyFile</c> (PEM files). <c>Temporal:Tls:Enabled=false</c> keeps TLS off with an
/// API key (the SDK would turn it on): our local TemporalServer with <c>Temporal:ApiKey</c> listens without TLS.
/// </summary>
public sealed record TemporalSettings(string TargetHost, string Namespace, string? ApiKey, TlsOptions? Tls)
{
    public const string DefaultNamespace = "default";

    public static TemporalSettings Read(IConfiguration configuration, string connectionName)
    {
        var address = configuration.GetConnectionString(connectionName)
            ?? throw new InvalidOperationException($"ConnectionStrings:{connectionName} is not configured (the Temporal frontend's host:port)");
        var secure = address.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
        var target = address.Contains("://", StringComparison.Ordinal) ? new Uri(address).Authority : address;
        if (!Uri.TryCreate("tcp://" + target, UriKind.Absolute, out var parsed) || parsed.Port <= 0 || parsed.Host.Length == 0)
            throw new InvalidOperationException($"ConnectionStrings:{connectionName} '{address}' is not host:port");

        var temporal = configuration.GetSection("Temporal");
        var tls = temporal.GetSection("Tls");
        var files = new[] { "ServerCaCertificateFile", "ClientCertificateFile", "ClientKeyFile" }.ToDictionary(k => k, k => tls[k]);
        TlsOptions? tlsOptions = null;
        if (tls["Enabled"] is { Length: > 0 } && !tls.GetValue<bool>("Enabled"))
            tlsOptions = new TlsOptions { Disabled = true };
        else if (secure || tls.GetValue("Enabled", false) || files.Values.Any(f => f is { Length: > 0 }))
        {
            tlsOptions = new TlsOptions
            {
                Domain = tls["ServerName"],
                ServerRootCACert = ReadFile(files["ServerCaCertificateFile"]),
                ClientCert = ReadFile(files["ClientCertificateFile"]),
                ClientPrivateKey = ReadFile(files["ClientKeyFile"]),
            };
            if ((tlsOptions.ClientCert is null) != (tlsOptions.ClientPrivateKey is null))
                throw new InvalidOperationException("Temporal:Tls: ClientCertificateFile and ClientKeyFile go together (mTLS needs both)");
        }
        return new TemporalSettings(target, temporal["Namespace"] is { Length: > 0 } ns ? ns : DefaultNamespace, temporal["ApiKey"] is { Length: > 0 } key ? key : null, tlsOptions);
    }

    static byte[]? ReadFile(string? path) => string.IsNullOrEmpty(path) ? null
        : File.Exists(path) ? File.ReadAllBytes(path) : throw new InvalidOperationException($"Temporal:Tls: the file {path} does not exist");
}
