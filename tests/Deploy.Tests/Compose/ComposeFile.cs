using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Deploy.Tests.Compose;

/// <summary>A compose service as the wiring check needs it: what it builds, its environment, ports, dependencies, checks.</summary>
public sealed record ComposeService(
    string Name,
    bool Builds,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlySet<int> ContainerPorts,
    IReadOnlySet<int> PublishedPorts,
    IReadOnlyDictionary<string, string> DependsOn,
    bool HasHealthcheck,
    string Command);

/// <summary>docker-compose.yml read with YamlDotNet (anchors and merge keys resolved as Compose does).</summary>
public static class ComposeFile
{
    public static IReadOnlyDictionary<string, ComposeService> Parse(string yaml)
    {
        var root = new DeserializerBuilder().Build().Deserialize<Dictionary<object, object?>>(new MergingParser(new Parser(new StringReader(yaml))));
        var services = root.TryGetValue("services", out var value) && value is Dictionary<object, object?> map ? map : [];
        return services.ToDictionary(s => (string)s.Key, s => ReadService((string)s.Key, s.Value as Dictionary<object, object?> ?? []));
    }

    static ComposeService ReadService(string name, Dictionary<object, object?> service)
    {
        object? Get(string key) => service.TryGetValue(key, out var v) ? v : null;

        var environment = Get("environment") switch
        {
            Dictionary<object, object?> pairs => pairs.ToDictionary(p => (string)p.Key, p => p.Value?.ToString() ?? ""),
            List<object> lines => lines.Select(l => l.ToString()!.Split('=', 2)).ToDictionary(p => p[0], p => p.ElementAtOrDefault(1) ?? ""),
            _ => [],
        };
        var containerPorts = new HashSet<int>();
        var publishedPorts = new HashSet<int>();
        foreach (var port in Strings(Get("expose"))) containerPorts.Add(int.Parse(port, System.Globalization.CultureInfo.InvariantCulture));
        foreach (var mapping in Strings(Get("ports")))
        {
            // [ip:]host:container or container alone
            var parts = mapping.Split(':');
            containerPorts.Add(int.Parse(parts[^1], System.Globalization.CultureInfo.InvariantCulture));
            if (parts.Length >= 2) publishedPorts.Add(int.Parse(parts[^2], System.Globalization.CultureInfo.InvariantCulture));
        }
        var dependsOn = Get("depends_on") switch
        {
            Dictionary<object, object?> conditions => conditions.ToDictionary(
                d => (string)d.Key,
                d => d.Value is Dictionary<object, object?> c && c.TryGetValue("condition", out var condition) ? condition?.ToString() ?? "service_started" : "service_started"),
            List<object> names => names.ToDictionary(n => n.ToString()!, _ => "service_started"),
            _ => [],
        };
        return new ComposeService(name, Get("build") is not null, environment, containerPorts, publishedPorts, dependsOn,
            Get("healthcheck") is not null, string.Join(' ', Strings(Get("entrypoint")).Concat(Strings(Get("command")))));
    }

    static IEnumerable<string> Strings(object? node) => node switch
    {
        List<object> list => list.Select(i => i.ToString()!),
        string text => [text],
        _ => [],
    };
}
