using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;

namespace Durable;

/// <summary>One activity method: its name in history, the class DI creates and how to read its result.</summary>
public sealed record ActivityDefinition(string Name, Type ActivityClass, MethodInfo Method, Type[] ParameterTypes, Type? ResultType)
{
    public static IReadOnlyList<ActivityDefinition> ForClass(Type type)
    {
        var methods = type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly).Where(m => !m.IsSpecialName).ToList();
        var marked = methods.Where(m => m.GetCustomAttribute<ActivityAttribute>() is not null).ToList();
        var chosen = marked.Count > 0 ? marked : methods.Where(m => typeof(Task).IsAssignableFrom(m.ReturnType)).ToList();
        if (chosen.Count == 0) throw new WorkflowDefinitionException($"Activity class {type.FullName} has no public method returning Task");
        return chosen.Select(For).ToList();
    }

    static readonly ConcurrentDictionary<MethodInfo, ActivityDefinition> Cache = new();

    public static ActivityDefinition For(MethodInfo method) => Cache.GetOrAdd(method, m =>
    {
        var where = $"Activity class {m.DeclaringType!.FullName} member {m.Name}";
        foreach (var p in m.GetParameters()) WorkflowDefinition.CheckSerializable(p.ParameterType, $"{where} parameter '{p.Name}'");
        Type? result = m.ReturnType == typeof(Task) || m.ReturnType == typeof(void) ? null
            : m.ReturnType.IsGenericType && m.ReturnType.GetGenericTypeDefinition() == typeof(Task<>) ? m.ReturnType.GetGenericArguments()[0]
            : typeof(Task).IsAssignableFrom(m.ReturnType) ? throw new WorkflowDefinitionException($"{where} returns {m.ReturnType.Name}; use Task or Task<T>")
            : m.ReturnType;
        if (result is not null) WorkflowDefinition.CheckSerializable(result, $"{where} result");
        var name = m.GetCustomAttribute<ActivityAttribute>()?.Name ?? WorkflowDefinition.TrimAsync(m.Name);
        return new(name, m.DeclaringType!, m, m.GetParameters().Select(p => p.ParameterType).ToArray(), result);
    });
}

/// <summary>A call described by a lambda such as <c>(MyActivities a) => a.DoAsync(x)</c>: the method and evaluated arguments.</summary>
internal sealed record MethodCall(MethodInfo Method, object?[] Args)
{
    public static MethodCall From(LambdaExpression lambda, string what)
    {
        var body = lambda.Body is UnaryExpression { NodeType: ExpressionType.Convert } convert ? convert.Operand : lambda.Body;
        if (body is not MethodCallExpression call || lambda.Parameters.Count != 1 || call.Object != lambda.Parameters[0])
            throw new WorkflowDefinitionException(
                $"{what} lambda '{lambda}' must be a single method call on its parameter, like (MyActivities a) => a.DoAsync(x)");
        return new(call.Method, call.Arguments.Select(Evaluate).ToArray());
    }

    // Most arguments are constants or captured locals: read them directly; compile only what is left.
    static object? Evaluate(Expression e) => e switch
    {
        ConstantExpression c => c.Value,
        MemberExpression { Member: FieldInfo f, Expression: null } => f.GetValue(null),
        MemberExpression { Member: FieldInfo f, Expression: { } inner } when Evaluate(inner) is { } target => f.GetValue(target),
        MemberExpression { Member: PropertyInfo p, Expression: { } inner } when Evaluate(inner) is { } target => p.GetValue(target),
        UnaryExpression { NodeType: ExpressionType.Convert } u when u.Type == typeof(object) => Evaluate(u.Operand),
        _ => Expression.Lambda<Func<object?>>(Expression.Convert(e, typeof(object))).Compile(preferInterpretation: true)(),
    };
}
