using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ServiceDefaults.Health;

public static class ServiceReferences
{
    /// <summary>Tag of checks on other services: shown on the resource page, not part of this service's own /health.</summary>
    public const string ServiceTag = "service";
    static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(3) };

    /// <summary>
    /// Adds a health check for every referenced service, found with Aspire's service-discovery convention
    /// <c>services:&lt;name&gt;:http:0</c>, and returns their names.
    /// </summary>
    public static IReadOnlyList<string> AddReferencedServiceHealthChecks(this IHostApplicationBuilder builder)
    {
        var names = new List<string>();
        foreach (var service in builder.Configuration.GetSection("services").GetChildren())
        {
            if (service["http:0"] is not { } url) continue;
            var check = new ServiceHealthCheck(Http, new Uri(url));
            builder.Services.AddHealthChecks().Add(new(service.Key, _ => check, null, [ServiceTag]));
            names.Add(service.Key);
        }
        return names;
    }
}
