namespace Durable;

/// <summary>Marks a workflow class. <see cref="Name"/> defaults to the class name and is what history records.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class WorkflowAttribute(string? name = null) : Attribute
{
    public string? Name { get; } = name;
}

/// <summary>Marks the single entry method of a workflow; it must return <see cref="Task"/> or <see cref="Task{TResult}"/>.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class WorkflowRunAttribute : Attribute;

/// <summary>Marks a signal handler. Name defaults to the method name without the Async suffix.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class WorkflowSignalAttribute(string? name = null) : Attribute
{
    public string? Name { get; } = name;
}

/// <summary>Marks a read-only query: a property or a method returning a value. It must not change state or issue commands.</summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property, Inherited = false)]
public sealed class WorkflowQueryAttribute(string? name = null) : Attribute
{
    public string? Name { get; } = name;
}

/// <summary>Optional on activity methods: names the activity. Without any [Activity] in a class, every public instance method returning a Task is an activity.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class ActivityAttribute(string? name = null) : Attribute
{
    public string? Name { get; } = name;
}
