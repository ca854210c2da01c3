using System.Reflection;
using System.Text.Json;

namespace Durable;

/// <summary>A validated workflow class: its run method, signals and queries, found by reflection once at registration.</summary>
public sealed class WorkflowDefinition
{
    public required string Name { get; init; }
    public required Type Type { get; init; }
    public required MethodInfo Run { get; init; }
    public required Type[] ParameterTypes { get; init; }
    /// <summary>Null when the run method returns a plain Task.</summary>
    public Type? ResultType { get; init; }
    public required IReadOnlyDictionary<string, MethodInfo> Signals { get; init; }
    public required IReadOnlyDictionary<string, MemberInfo> Queries { get; init; }

    static readonly Dictionary<Type, WorkflowDefinition> Cache = [];

    public static WorkflowDefinition For(Type type)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(type, out var definition)) Cache[type] = definition = Create(type);
            return definition;
        }
    }

    public static string NameOf(Type type) =>
        type.GetCustomAttribute<WorkflowAttribute>() is { } attribute ? attribute.Name ?? type.Name : throw new WorkflowDefinitionException($"Workflow class {type.FullName} is missing the [Workflow] attribute");

    static WorkflowDefinition Create(Type type)
    {
        var name = NameOf(type);
        if (type.IsAbstract || type.IsGenericTypeDefinition)
            throw new WorkflowDefinitionException($"Workflow class {type.FullName} must be a concrete, non-generic class");
        if (type.GetConstructor(Type.EmptyTypes) is null)
            throw new WorkflowDefinitionException($"Workflow class {type.FullName} needs a public parameterless constructor (workflow state is rebuilt by replay, not injected)");
        const BindingFlags Members = BindingFlags.Public | BindingFlags.Instance;
        var runs = type.GetMethods(Members).Where(m => m.GetCustomAttribute<WorkflowRunAttribute>() is not null).ToList();
        if (runs.Count == 0) throw new WorkflowDefinitionException($"Workflow class {type.FullName} has no method marked [WorkflowRun]");
        if (runs.Count > 1) throw new WorkflowDefinitionException($"Workflow class {type.FullName} has more than one [WorkflowRun] method: {string.Join(", ", runs.Select(r => r.Name))}");
        var run = runs[0];
        if (!typeof(Task).IsAssignableFrom(run.ReturnType))
            throw new WorkflowDefinitionException($"Workflow class {type.FullName} member {run.Name}: a [WorkflowRun] method must return Task or Task<T>, not {run.ReturnType.Name}");
        var resultType = run.ReturnType.IsGenericType ? run.ReturnType.GetGenericArguments()[0] : null;
        if (resultType is not null) CheckSerializable(resultType, $"Workflow class {type.FullName} member {run.Name} result");
        foreach (var p in run.GetParameters()) CheckSerializable(p.ParameterType, $"Workflow class {type.FullName} member {run.Name} parameter '{p.Name}'");

        var signals = new Dictionary<string, MethodInfo>();
        foreach (var m in type.GetMethods(Members))
        {
            if (m.GetCustomAttribute<WorkflowSignalAttribute>() is not { } s) continue;
            if (m.ReturnType != typeof(void) && m.ReturnType != typeof(Task))
                throw new WorkflowDefinitionException($"Workflow class {type.FullName} member {m.Name}: a [WorkflowSignal] method must return Task or void");
            foreach (var p in m.GetParameters()) CheckSerializable(p.ParameterType, $"Workflow class {type.FullName} member {m.Name} parameter '{p.Name}'");
            signals[s.Name ?? TrimAsync(m.Name)] = m;
        }
        var queries = new Dictionary<string, MemberInfo>();
        foreach (var m in type.GetMembers(Members))
        {
            if (m.GetCustomAttribute<WorkflowQueryAttribute>() is not { } q) continue;
            var returns = m switch { PropertyInfo p => p.PropertyType, MethodInfo mi => mi.ReturnType, _ => typeof(void) };
            if (returns == typeof(void) || typeof(Task).IsAssignableFrom(returns))
                throw new WorkflowDefinitionException($"Workflow class {type.FullName} member {m.Name}: a [WorkflowQuery] must synchronously return a value");
            CheckSerializable(returns, $"Workflow class {type.FullName} member {m.Name} result");
            queries[q.Name ?? TrimAsync(m.Name)] = m;
        }
        return new WorkflowDefinition
        {
            Name = name,
            Type = type,
            Run = run,
            ResultType = resultType,
            ParameterTypes = run.GetParameters().Select(p => p.ParameterType).ToArray(),
            Signals = signals,
            Queries = queries,
        };
    }

    internal static string TrimAsync(string name) => name.EndsWith("Async", StringComparison.Ordinal) && name.Length > 5 ? name[..^5] : name;

    static readonly Type[] NotSerialisable = [typeof(Delegate), typeof(Task), typeof(Stream), typeof(CancellationToken), typeof(IntPtr), typeof(UIntPtr), typeof(Type), typeof(MemberInfo), typeof(Thread)];

    /// <summary>Rejects types that cannot round-trip through JSON, naming where they were found.</summary>
    public static void CheckSerializable(Type type, string where)
    {
        if (type.IsPointer || type.IsByRef || type.ContainsGenericParameters || NotSerialisable.Any(t => t.IsAssignableFrom(type)))
            throw new WorkflowDefinitionException($"{where} of type {type.Name} is not serialisable to JSON");
        try { JsonSerializerOptions.Default.GetTypeInfo(type); }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException)
        {
            throw new WorkflowDefinitionException($"{where} of type {type.Name} is not serialisable to JSON: {e.Message}");
        }
    }
}
