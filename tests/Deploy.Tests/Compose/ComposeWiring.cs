using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Deploy.Tests.Compose;

/// <summary>
/// The compose file runs the AppHost's graph: a service per resource (same names), every <c>ConnectionStrings__*</c> and
/// <c>services__*</c> variable the AppHost gives a service (no more, no fewer) pointing at the right service and a port
/// it listens on, the same fixed parts (database, bucket, region), the same published ports, the same Kafka topics,
/// each service waiting for what it references, and telemetry going to a service of the file.
/// </summary>
public static partial class ComposeWiring
{
    const string File = "deploy/docker-compose.yml";

    public static IReadOnlyList<Violation> Check(JsonObject manifest, IReadOnlyDictionary<string, ComposeService> compose)
    {
        var violations = new List<Violation>();
        foreach (var (name, resource) in manifest)
        {
            if (!compose.TryGetValue(name, out var service))
            {
                violations.Add(new(File, $"services.{name}", $"missing: the AppHost has a resource '{name}' ({resource!["type"]})"));
                continue;
            }
            violations.AddRange(Ports(name, resource!.AsObject(), compose));
            violations.AddRange(Topics(name, resource.AsObject(), compose));
            // Our own services are built here; a resource the file replaces with a real server (Temporal) keeps its own settings.
            if (resource["type"]?.ToString() == "project.v0" && service.Builds)
                violations.AddRange(Environment(service, resource.AsObject(), manifest, compose));
        }
        foreach (var service in compose.Values)
            foreach (var (dependency, condition) in service.DependsOn)
                if (condition == "service_healthy" && compose.TryGetValue(dependency, out var target) && !target.HasHealthcheck && !target.Builds)
                    violations.Add(new(File, $"services.{service.Name}", $"waits for {dependency} to be healthy, which has no healthcheck"));
        return violations;
    }

    static IEnumerable<Violation> Environment(ComposeService service, JsonObject resource, JsonObject manifest, IReadOnlyDictionary<string, ComposeService> compose)
    {
        var subject = $"services.{service.Name}.environment";
        var expected = (resource["env"] as JsonObject ?? []).Where(e => IsWiring(e.Key)).ToDictionary(e => e.Key, e => e.Value!.ToString());
        foreach (var extra in service.Environment.Keys.Where(IsWiring).Where(k => !expected.ContainsKey(k)))
            yield return new(File, subject, $"sets {extra}, which the AppHost does not give {service.Name}");

        foreach (var (key, manifestValue) in expected)
        {
            if (!service.Environment.TryGetValue(key, out var value))
            {
                yield return new(File, subject, $"lacks {key} (the AppHost sets it to {manifestValue})");
                continue;
            }
            var target = Reference().Match(manifestValue).Groups[1].Value;
            if (!service.DependsOn.ContainsKey(target))
                yield return new(File, $"services.{service.Name}.depends_on", $"does not wait for {target}, which {key} references");
            // host:port (bootstrap servers, URLs) or Host=…;Port=… (Npgsql)
            var address = Regex.Match(value, $@"(?:^|[=/;,@]){Regex.Escape(target)}(?::|;Port=)(\d+)");
            if (!address.Success)
                yield return new(File, subject, $"{key} does not point at service {target}: '{value}'");
            else if (compose.TryGetValue(target, out var targetService) && !targetService.ContainerPorts.Contains(int.Parse(address.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)))
                yield return new(File, subject, $"{key} points at {target}:{address.Groups[1].Value}, a port {target} does not expose");

            // The fixed parts of the AppHost's connection string (Database=pipeline, Bucket=energy-lake, Region=…); credentials differ.
            var connectionString = manifestValue == $"{{{target}.connectionString}}" ? manifest[target]?["connectionString"]?.ToString() ?? "" : "";
            foreach (var part in connectionString.Split(';').Where(p => p.Contains('=', StringComparison.Ordinal) && !p.Contains('{', StringComparison.Ordinal) && !Credential().IsMatch(p)))
                if (!value.Split(';').Contains(part, StringComparer.Ordinal))
                    yield return new(File, subject, $"{key} lacks '{part}' (the AppHost's {target} has it)");
        }
        if (!service.Environment.TryGetValue("OTEL_EXPORTER_OTLP_ENDPOINT", out var otlp) || !compose.Keys.Any(name => otlp.Contains($"//{name}:", StringComparison.Ordinal)))
            yield return new(File, subject, "OTEL_EXPORTER_OTLP_ENDPOINT does not point at a service of this file (the dashboard)");
    }

    /// <summary>A port the AppHost fixes (5080, 54320, 9092, 9000, 7233, 8233) is published by the resource's service or a helper of it (temporal-ui).</summary>
    static IEnumerable<Violation> Ports(string name, JsonObject resource, IReadOnlyDictionary<string, ComposeService> compose)
    {
        foreach (var (binding, value) in resource["bindings"] as JsonObject ?? [])
        {
            if (value?["port"] is not JsonValue fixedPort) continue;
            var port = fixedPort.GetValue<int>();
            if (!compose.Values.Any(s => (s.Name == name || s.Name.StartsWith(name + "-", StringComparison.Ordinal)) && s.PublishedPorts.Contains(port)))
                yield return new(File, $"services.{name}", $"does not publish port {port} (the AppHost's {binding} binding)");
        }
    }

    /// <summary>Topics the AppHost creates on its local broker (<c>--topic name:partitions</c>) are created by &lt;resource&gt;-init.</summary>
    static IEnumerable<Violation> Topics(string name, JsonObject resource, IReadOnlyDictionary<string, ComposeService> compose)
    {
        var args = Strings(resource["args"]).ToList();
        var topics = args.Zip(args.Skip(1)).Where(p => p.First == "--topic").Select(p => p.Second).ToList();
        if (topics.Count == 0) yield break;
        if (!compose.TryGetValue($"{name}-init", out var init))
        {
            yield return new(File, $"services.{name}-init", $"missing: it creates the topics {string.Join(", ", topics)}");
            yield break;
        }
        foreach (var topic in topics.Where(t => !init.Command.Contains(t, StringComparison.Ordinal)))
            yield return new(File, $"services.{name}-init", $"does not create topic {topic} (name:partitions as in the AppHost)");
    }

    static IEnumerable<string> Strings(JsonNode? node) => node is JsonArray array ? array.Select(a => a!.ToString()) : [];

    static bool IsWiring(string key) => key.StartsWith("ConnectionStrings__", StringComparison.Ordinal) || key.StartsWith("services__", StringComparison.Ordinal);

    [GeneratedRegex(@"\{([^.}]+)\.")]
    private static partial Regex Reference();

    [GeneratedRegex(@"^(AccessKey|SecretKey|Password|Username)=", RegexOptions.IgnoreCase)]
    private static partial Regex Credential();
}
