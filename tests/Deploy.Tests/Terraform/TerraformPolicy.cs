using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Deploy.Tests.Terraform;

/// <summary>
/// The rules terraform/ keeps, checked over the parsed JSON (no terraform binary needed): every file parses, every
/// variable is described, providers are pinned, every bucket is encrypted with a KMS key, versioned and blocks public
/// access, no IAM statement grants "*" actions or resources, and every policy is a checkable policy document.
/// </summary>
public static partial class TerraformPolicy
{
    public static IReadOnlyList<Violation> Check(IReadOnlyList<Hcl.ParsedFile> files)
    {
        var violations = new List<Violation>();
        foreach (var file in files)
        {
            var name = DisplayPath(file.Path);
            if (file.Json is not { } json)
            {
                violations.Add(new(name, "syntax", file.Error ?? "does not parse"));
                continue;
            }
            violations.AddRange(VariablesAreDescribed(name, json));
            violations.AddRange(ProvidersArePinned(name, json));
            violations.AddRange(IamStatementsAreScoped(name, json));
            violations.AddRange(PoliciesAreDocuments(name, json));
        }
        // A bucket and its settings are separate resources of one module (one directory).
        var modules = files.Where(f => f.Json is not null).GroupBy(f => Path.GetDirectoryName(Path.GetFullPath(f.Path))!).ToDictionary(g => g.Key, g => g.ToList());
        foreach (var module in modules.Values)
            violations.AddRange(BucketsAreProtected([.. module.Select(f => (DisplayPath(f.Path), f.Json!))]));
        foreach (var (directory, module) in modules)
            violations.AddRange(ModuleCallsMatch(directory, module, modules));
        return violations;
    }

    /// <summary>
    /// What <c>terraform validate</c> would say about local modules (no terraform binary here): a call passes exactly the
    /// module's variables (all those without a default), and every <c>module.&lt;name&gt;.&lt;output&gt;</c> exists.
    /// </summary>
    static IEnumerable<Violation> ModuleCallsMatch(string directory, List<Hcl.ParsedFile> files, Dictionary<string, List<Hcl.ParsedFile>> modules)
    {
        var calls = new Dictionary<string, List<Hcl.ParsedFile>>();
        foreach (var file in files)
        {
            foreach (var (name, bodies) in file.Json!["module"] as JsonObject ?? [])
            {
                var call = bodies![0]!.AsObject();
                var source = call["source"]?.ToString() ?? "";
                if (!source.StartsWith("./", StringComparison.Ordinal) && !source.StartsWith("../", StringComparison.Ordinal)) continue;
                if (!modules.TryGetValue(Path.GetFullPath(Path.Combine(directory, source)), out var target))
                {
                    yield return new(DisplayPath(file.Path), $"module.{name}", $"source {source} has no .tf files");
                    continue;
                }
                calls[name] = target;
                var variables = target.SelectMany(f => (f.Json!["variable"] as JsonObject ?? []).Select(v => (v.Key, HasDefault: v.Value![0]!.AsObject().ContainsKey("default")))).ToList();
                string[] metaArguments = ["source", "count", "for_each", "providers", "depends_on", "version"];
                foreach (var argument in call.Select(a => a.Key).Where(a => !metaArguments.Contains(a) && variables.All(v => v.Key != a)))
                    yield return new(DisplayPath(file.Path), $"module.{name}", $"passes {argument}, which {source} does not declare");
                foreach (var missing in variables.Where(v => !v.HasDefault && !call.ContainsKey(v.Key)))
                    yield return new(DisplayPath(file.Path), $"module.{name}", $"does not pass {missing.Key}, which {source} requires");
            }
        }
        foreach (var file in files)
            foreach (Match reference in ModuleOutputReference().Matches(file.Json!.ToJsonString()))
            {
                var (module, output) = (reference.Groups[1].Value, reference.Groups[2].Value);
                if (!calls.TryGetValue(module, out var target))
                    yield return new(DisplayPath(file.Path), $"module.{module}.{output}", "refers to a module this directory does not call");
                else if (!target.Any(f => (f.Json!["output"] as JsonObject)?.ContainsKey(output) == true))
                    yield return new(DisplayPath(file.Path), $"module.{module}.{output}", "refers to an output the module does not declare");
            }
    }

    static IEnumerable<Violation> VariablesAreDescribed(string file, JsonObject json)
    {
        foreach (var (name, bodies) in json["variable"] as JsonObject ?? [])
            if (bodies?[0]?["description"] is not JsonValue description || string.IsNullOrWhiteSpace(description.ToString()))
                yield return new(file, $"variable.{name}", "has no description");
    }

    static IEnumerable<Violation> ProvidersArePinned(string file, JsonObject json)
    {
        foreach (var terraform in (json["terraform"] as JsonArray ?? []).OfType<JsonObject>())
            foreach (var providers in Hcl.Nested(terraform, "required_providers"))
                foreach (var (provider, requirement) in providers)
                {
                    var version = requirement?["version"]?.ToString() ?? "";
                    if (!ExactVersion().IsMatch(version))
                        yield return new(file, $"required_providers.{provider}", $"version \"{version}\" is not one exact version (= x.y.z)");
                }
    }

    static IEnumerable<Violation> IamStatementsAreScoped(string file, JsonObject json)
    {
        foreach (var (type, name, body) in Hcl.Blocks(json, "data"))
        {
            if (type != "aws_iam_policy_document") continue;
            var index = 0;
            foreach (var statement in Hcl.Nested(body, "statement"))
            {
                var subject = $"data.aws_iam_policy_document.{name} statement {statement["sid"]?.ToString() ?? $"#{index}"}";
                index++;
                var allows = (statement["effect"]?.ToString() ?? "Allow") == "Allow";
                foreach (var action in Hcl.Strings(statement["actions"]).Concat(Hcl.Strings(statement["not_actions"])))
                {
                    if (action == "*") yield return new(file, subject, "Action \"*\" (every action of every service)");
                    else if (allows && action.EndsWith(":*", StringComparison.Ordinal)) yield return new(file, subject, $"allows every action of a service (\"{action}\")");
                }
                foreach (var resource in Hcl.Strings(statement["resources"]).Concat(Hcl.Strings(statement["not_resources"])))
                    if (resource == "*") yield return new(file, subject, "Resource \"*\" (every resource)");
            }
        }
    }

    static readonly Dictionary<string, string> PolicyAttributes = new()
    {
        ["aws_iam_policy"] = "policy",
        ["aws_iam_role_policy"] = "policy",
        ["aws_iam_user_policy"] = "policy",
        ["aws_iam_group_policy"] = "policy",
        ["aws_s3_bucket_policy"] = "policy",
        ["aws_iam_role"] = "assume_role_policy",
    };

    /// <summary>Inline JSON (jsonencode, heredocs) would hide its statements from the rule above: policies come from policy documents.</summary>
    static IEnumerable<Violation> PoliciesAreDocuments(string file, JsonObject json)
    {
        foreach (var (type, name, body) in Hcl.Blocks(json, "resource"))
        {
            if (type == "aws_iam_role_policy_attachment" && body["policy_arn"]?.ToString() is { } arn && BroadManagedPolicy().IsMatch(arn))
                yield return new(file, $"{type}.{name}", $"attaches a broad AWS managed policy ({arn})");
            if (!PolicyAttributes.TryGetValue(type, out var attribute)) continue;
            if (body[attribute]?.ToString() is { } policy && !PolicyDocumentReference().IsMatch(policy))
                yield return new(file, $"{type}.{name}", $"{attribute} is not an aws_iam_policy_document's json, so its statements cannot be checked");
            if (type == "aws_iam_role" && body["inline_policy"] is not null)
                yield return new(file, $"{type}.{name}", "inline_policy: use aws_iam_role_policy with a policy document");
        }
    }

    static IEnumerable<Violation> BucketsAreProtected(IReadOnlyList<(string File, JsonObject Json)> module)
    {
        var resources = module.SelectMany(f => Hcl.Blocks(f.Json, "resource").Select(r => (f.File, r.Type, r.Name, r.Body))).ToList();
        foreach (var bucket in resources.Where(r => r.Type == "aws_s3_bucket"))
        {
            var subject = $"aws_s3_bucket.{bucket.Name}";
            // A setting belongs to the bucket when its `bucket` argument references it.
            var settings = resources.Where(r => r.Body["bucket"]?.ToString().Contains($"aws_s3_bucket.{bucket.Name}.", StringComparison.Ordinal) == true).ToList();
            JsonObject? Setting(string type) => settings.FirstOrDefault(s => s.Type == type).Body;

            var encryption = Setting("aws_s3_bucket_server_side_encryption_configuration");
            var byDefault = encryption is null ? null : Hcl.Nested(encryption, "rule").SelectMany(r => Hcl.Nested(r, "apply_server_side_encryption_by_default")).FirstOrDefault();
            if (byDefault?["sse_algorithm"]?.ToString().StartsWith("aws:kms", StringComparison.Ordinal) != true || string.IsNullOrEmpty(byDefault["kms_master_key_id"]?.ToString()))
                yield return new(bucket.File, subject, "is not encrypted with a KMS key of ours (aws_s3_bucket_server_side_encryption_configuration with sse_algorithm aws:kms and kms_master_key_id)");

            var versioning = Setting("aws_s3_bucket_versioning");
            if (versioning is null || !Hcl.Nested(versioning, "versioning_configuration").Any(v => v["status"]?.ToString() == "Enabled"))
                yield return new(bucket.File, subject, "is not versioned (aws_s3_bucket_versioning with status Enabled)");

            var block = Setting("aws_s3_bucket_public_access_block");
            string[] flags = ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"];
            var open = block is null ? flags : flags.Where(f => block[f]?.GetValueKind() != System.Text.Json.JsonValueKind.True).ToArray();
            if (open.Length > 0)
                yield return new(bucket.File, subject, $"does not block public access ({string.Join(", ", open)} not true in aws_s3_bucket_public_access_block)");
        }
    }

    static string DisplayPath(string path)
    {
        var relative = Path.GetRelativePath(Repository.Root, path);
        return relative.StartsWith("..", StringComparison.Ordinal) ? path : relative;
    }

    [GeneratedRegex(@"\bmodule\.([A-Za-z0-9_-]+)(?:\[[^\]]*\])?\.([A-Za-z0-9_-]+)")]
    private static partial Regex ModuleOutputReference();

    [GeneratedRegex(@"^=?\s*\d+\.\d+\.\d+$")]
    private static partial Regex ExactVersion();

    [GeneratedRegex(@"^\$\{data\.aws_iam_policy_document\.[A-Za-z0-9_-]+(\[[^\]]+\])?\.json\}$")]
    private static partial Regex PolicyDocumentReference();

    [GeneratedRegex(@":policy/(AdministratorAccess|PowerUserAccess|IAMFullAccess|[A-Za-z0-9]+FullAccess)$")]
    private static partial Regex BroadManagedPolicy();
}
