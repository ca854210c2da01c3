using System.Text.Json;
using System.Text.Json.Serialization;

namespace Durable;

/// <summary>Converts workflow and activity payloads to JSON. Replace the options to add converters; both workers and clients must agree.</summary>
public sealed class DurableSerializer(JsonSerializerOptions? options = null)
{
    public static readonly DurableSerializer Default = new();

    public JsonSerializerOptions Options { get; } = options ?? new JsonSerializerOptions(JsonSerializerDefaults.Web);

    public JsonElement ToElement(object? value, Type type) => JsonSerializer.SerializeToElement(value, type, Options);

    public object? FromElement(JsonElement element, Type type) =>
        element.ValueKind == JsonValueKind.Undefined ? null : element.Deserialize(type, Options);

    public T? FromElement<T>(JsonElement element) => (T?)FromElement(element, typeof(T));

    /// <summary>Arguments are stored as a JSON array, one element per parameter.</summary>
    public JsonElement ArgsToElement(IReadOnlyList<object?> args, IReadOnlyList<Type> types)
    {
        var elements = new JsonElement[args.Count];
        for (var i = 0; i < args.Count; i++) elements[i] = ToElement(args[i], i < types.Count ? types[i] : args[i]?.GetType() ?? typeof(object));
        return JsonSerializer.SerializeToElement(elements);
    }

    public object?[] ArgsFromElement(JsonElement array, IReadOnlyList<Type> types)
    {
        var values = new object?[types.Count];
        var i = 0;
        if (array.ValueKind == JsonValueKind.Array)
            foreach (var item in array.EnumerateArray())
            {
                if (i >= types.Count) break;
                values[i] = FromElement(item, types[i]);
                i++;
            }
        return values;
    }
}

/// <summary>Fixed options for the engine's own records, so history stays readable whatever the payload options are.</summary>
static class EngineJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);
    public static T Deserialize<T>(string json) => JsonSerializer.Deserialize<T>(json, Options)!;
}
