using Google.Protobuf.Reflection;
using Temporalio.Api.Dependencies.Google.Api;
using OperatorServiceReflection = Temporalio.Api.OperatorService.V1.ServiceReflection;
using WorkflowServiceReflection = Temporalio.Api.WorkflowService.V1.ServiceReflection;

namespace TemporalServer.Http;

/// <summary>One <c>google.api.http</c> binding under /api/v1: verb, path template and where the body goes.</summary>
sealed record HttpRoute(string Verb, IReadOnlyList<PathSegment> Segments, string Body, MethodDescriptor Method)
{
    /// <summary>Literal segments outrank variables, so <c>/workflows/execute-multi-operation</c> beats <c>/workflows/{workflow_id}</c>.</summary>
    public int Specificity => Segments.Count(s => s.Variable is null);

    public Dictionary<string, string>? Match(IReadOnlyList<string> path)
    {
        if (path.Count != Segments.Count) return null;
        var variables = new Dictionary<string, string>();
        for (var i = 0; i < path.Count; i++)
        {
            if (Segments[i].Variable is { } variable) variables[variable] = path[i];
            else if (Segments[i].Literal != path[i]) return null;
        }
        return variables;
    }
}

/// <summary>A literal path segment, or a variable naming a (dotted) request field.</summary>
sealed record PathSegment(string? Literal, string? Variable);

/// <summary>
/// The grpc-gateway route table of WorkflowService and OperatorService, read from the <c>google.api.http</c>
/// options inside Temporalio.dll's descriptors (Temporalio embeds its own copy of HttpRule, so the table always
/// matches the API version of the SDK the server is built with).
/// </summary>
static class HttpRoutes
{
    public const string Prefix = "/api/v1/";

    public static IReadOnlyList<HttpRoute> All { get; } = Build();

    static List<HttpRoute> Build()
    {
        var routes = new List<HttpRoute>();
        foreach (var service in new[] { WorkflowServiceReflection.Descriptor, OperatorServiceReflection.Descriptor }.SelectMany(f => f.Services))
        {
            foreach (var method in service.Methods)
            {
                if (method.GetOptions()?.GetExtension(AnnotationsExtensions.Http) is not { } rule) continue;
                foreach (var binding in rule.AdditionalBindings.Prepend(rule))
                {
                    var (verb, path) = binding.PatternCase switch
                    {
                        HttpRule.PatternOneofCase.Get => ("GET", binding.Get),
                        HttpRule.PatternOneofCase.Post => ("POST", binding.Post),
                        HttpRule.PatternOneofCase.Put => ("PUT", binding.Put),
                        HttpRule.PatternOneofCase.Delete => ("DELETE", binding.Delete),
                        HttpRule.PatternOneofCase.Patch => ("PATCH", binding.Patch),
                        _ => ("", ""),
                    };
                    if (path.StartsWith(Prefix, StringComparison.Ordinal)) routes.Add(new HttpRoute(verb, Parse(path), binding.Body, method));
                }
            }
        }
        return routes.OrderByDescending(r => r.Specificity).ToList();
    }

    static List<PathSegment> Parse(string template) =>
        template.Split('/', StringSplitOptions.RemoveEmptyEntries)
            .Select(s => s.StartsWith('{') && s.EndsWith('}') ? new PathSegment(null, s[1..^1].Split('=')[0]) : new PathSegment(s, null))
            .ToList();
}
