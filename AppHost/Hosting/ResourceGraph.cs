namespace AppHost.Hosting;

/// <summary>Checks the graph once at build time: unique names, known dependencies, no cycles, a start order.</summary>
public static class ResourceGraph
{
    /// <summary>Resources ordered so that every dependency comes before its dependants (ties keep declaration order).</summary>
    public static IReadOnlyList<Resource> StartOrder(IReadOnlyList<Resource> resources)
    {
        var duplicate = resources.GroupBy(r => r.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidOperationException($"Two resources are named '{duplicate.Key}'; resource names must be unique.");
        foreach (var resource in resources)
        {
            var unknown = resource.Dependencies.FirstOrDefault(d => !resources.Contains(d));
            if (unknown is not null) throw new InvalidOperationException($"{resource} depends on {unknown}, which was not added to this application.");
        }

        var order = new List<Resource>();
        var state = new Dictionary<Resource, bool>(); // false: on the current path, true: done
        foreach (var resource in resources) Visit(resource, state, order, []);
        return order;
    }

    static void Visit(Resource resource, Dictionary<Resource, bool> state, List<Resource> order, List<Resource> path)
    {
        if (state.TryGetValue(resource, out var done))
        {
            if (done) return;
            var cycle = path.SkipWhile(r => r != resource).Append(resource).Select(r => r.Name);
            throw new InvalidOperationException($"The resource graph has a cycle: {string.Join(" -> ", cycle)}");
        }
        state[resource] = false;
        path.Add(resource);
        foreach (var dependency in resource.Dependencies) Visit(dependency, state, order, path);
        path.RemoveAt(path.Count - 1);
        state[resource] = true;
        order.Add(resource);
    }
}
