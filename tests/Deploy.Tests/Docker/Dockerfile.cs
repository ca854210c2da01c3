using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Deploy.Tests.Docker;

/// <summary>
/// The image rules of deploy/*.Dockerfile: clean under npm dockerfile-utils' linter, multi-stage, every base image
/// pinned (an exact version tag or a digest), the final stage running as a non-root user with a HEALTHCHECK.
/// </summary>
public static partial class Dockerfile
{
    sealed record Instruction(int Line, string Keyword, string Arguments);

    public static IReadOnlyList<Violation> CheckRules(string file, string text)
    {
        var violations = new List<Violation>();
        var instructions = Parse(text);
        var stages = instructions.Where(i => i.Keyword == "FROM").ToList();
        if (stages.Count < 2) violations.Add(new(file, "stages", "is not multi-stage (a build stage and a runtime stage)"));

        var aliases = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var from in stages)
        {
            var words = from.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToList();
            var image = words[0];
            if (!aliases.Contains(image) && PinningProblem(image) is { } problem) violations.Add(new(file, $"line {from.Line}: FROM {image}", problem));
            if (words.Count >= 3 && words[1].Equals("AS", StringComparison.OrdinalIgnoreCase)) aliases.Add(words[2]);
        }

        var final = instructions.SkipWhile(i => stages.Count > 0 && i != stages[^1]).ToList();
        var user = final.LastOrDefault(i => i.Keyword == "USER")?.Arguments.Split(':')[0].Trim();
        if (user is null) violations.Add(new(file, "final stage", "has no USER: it would run as root"));
        else if (user is "root" or "0") violations.Add(new(file, "final stage", $"runs as {user}"));
        if (!final.Any(i => i.Keyword == "HEALTHCHECK")) violations.Add(new(file, "final stage", "has no HEALTHCHECK (HEALTHCHECK NONE says so on purpose)"));
        return violations;
    }

    /// <summary>npm dockerfile-utils' diagnostics (unknown instructions, bad flags, malformed arguments, …), warnings included.</summary>
    public static async Task<IReadOnlyList<Violation>> LintAsync(string path, string file)
    {
        var result = await Node.RunAsync("node_modules/dockerfile-utils/bin/dockerfile-utils", ["lint", "--json", path]);
        if (!result.Output.TrimStart().StartsWith('[')) throw new InvalidOperationException($"dockerfile-utils lint {path}: {result.Output} {result.Error}");
        return [.. JsonNode.Parse(result.Output)!.AsArray().Select(d => new Violation(
            file, $"line {(int)d!["range"]!["start"]!["line"]! + 1}", $"{d["severity"]}: {d["message"]}"))];
    }

    static string? PinningProblem(string image)
    {
        if (image.Contains("@sha256:", StringComparison.Ordinal)) return null;
        var name = image[(image.LastIndexOf('/') + 1)..];
        var colon = name.LastIndexOf(':');
        if (colon < 0) return "has no tag: it floats to latest";
        var tag = name[(colon + 1)..];
        return ExactVersionTag().IsMatch(tag) ? null : $"tag '{tag}' is not an exact version (x.y.z…) or a digest";
    }

    /// <summary>Instructions with their first line number; continuation lines joined, comments and blank lines skipped.</summary>
    static List<Instruction> Parse(string text)
    {
        var instructions = new List<Instruction>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var start = i + 1;
            while (line.EndsWith('\\') && i + 1 < lines.Length) line = line[..^1] + " " + lines[++i].Trim();
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            instructions.Add(space < 0
                ? new(start, line.ToUpperInvariant(), "")
                : new(start, line[..space].ToUpperInvariant(), line[(space + 1)..].Trim()));
        }
        return instructions;
    }

    [GeneratedRegex(@"^\d+\.\d+\.\d+")]
    private static partial Regex ExactVersionTag();
}
