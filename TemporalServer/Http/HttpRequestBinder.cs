using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace TemporalServer.Http;

/// <summary>
/// Builds a request message the way grpc-gateway does: the JSON body (when the route has one), then path
/// variables, then query parameters for any field not already bound. Query keys may use proto or JSON names
/// (<c>next_page_token</c> and <c>nextPageToken</c> both arrive from the UI) and dots for nested fields.
/// </summary>
static class HttpRequestBinder
{
    public static IMessage Bind(HttpRoute route, IReadOnlyDictionary<string, string> pathVariables, IEnumerable<KeyValuePair<string, string[]>> query, string? body)
    {
        var message = route.Method.InputType.Parser.ParseFrom(ByteString.Empty);
        if (route.Body == "*" && !string.IsNullOrWhiteSpace(body))
        {
            try
            {
                message = ProtoJson.Parser.Parse(body, route.Method.InputType);
            }
            catch (InvalidProtocolBufferException e)
            {
                throw new HttpBindingException($"the request body is not a valid {route.Method.InputType.Name}: {e.Message}");
            }
            catch (InvalidJsonException e)
            {
                throw new HttpBindingException($"the request body is not valid JSON: {e.Message}");
            }
        }
        foreach (var (path, value) in pathVariables)
        {
            if (!TrySet(message, path.Split('.'), [value]))
                throw new HttpBindingException($"path variable {path} names no field of {route.Method.InputType.Name}");
        }
        if (route.Body != "*")
        {
            foreach (var (key, values) in query)
            {
                // grpc-gateway ignores query parameters that name no field; so do we.
                if (!pathVariables.ContainsKey(key)) TrySet(message, key.Split('.'), values);
            }
        }
        return message;
    }

    static bool TrySet(IMessage message, string[] path, string[] values)
    {
        var descriptor = message.Descriptor;
        for (var i = 0; i < path.Length; i++)
        {
            var field = Find(descriptor, path[i]);
            if (field is null) return false;
            if (i == path.Length - 1)
            {
                Assign(message, field, values);
                return true;
            }
            if (field.FieldType != FieldType.Message || field.IsRepeated) return false;
            if (field.Accessor.GetValue(message) is not IMessage child)
            {
                child = field.MessageType.Parser.ParseFrom(ByteString.Empty);
                field.Accessor.SetValue(message, child);
            }
            message = child;
            descriptor = child.Descriptor;
        }
        return false;
    }

    static FieldDescriptor? Find(MessageDescriptor descriptor, string name) =>
        descriptor.FindFieldByName(name) ?? descriptor.Fields.InDeclarationOrder().FirstOrDefault(f => f.JsonName == name);

    static void Assign(IMessage message, FieldDescriptor field, string[] values)
    {
        if (field.IsMap) throw new HttpBindingException($"{field.Name} is a map and cannot be set from the URL");
        if (field.IsRepeated)
        {
            var list = (System.Collections.IList)field.Accessor.GetValue(message);
            foreach (var value in values) list.Add(Convert(field, value));
        }
        else if (values.Length > 0)
        {
            field.Accessor.SetValue(message, Convert(field, values[^1]));
        }
    }

    static object Convert(FieldDescriptor field, string text)
    {
        try
        {
            return field.FieldType switch
            {
                FieldType.String => text,
                FieldType.Bool => bool.Parse(text),
                FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => int.Parse(text, CultureInfo.InvariantCulture),
                FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => long.Parse(text, CultureInfo.InvariantCulture),
                FieldType.UInt32 or FieldType.Fixed32 => uint.Parse(text, CultureInfo.InvariantCulture),
                FieldType.UInt64 or FieldType.Fixed64 => ulong.Parse(text, CultureInfo.InvariantCulture),
                FieldType.Double => double.Parse(text, CultureInfo.InvariantCulture),
                FieldType.Float => float.Parse(text, CultureInfo.InvariantCulture),
                FieldType.Bytes => ByteString.FromBase64(Base64(text)),
                FieldType.Enum => Enum(field, text),
                // Well-known types (Timestamp, Duration, wrappers) take their JSON string form in a URL.
                FieldType.Message => ProtoJson.Parser.Parse(System.Text.Json.JsonSerializer.Serialize(text), field.MessageType),
                _ => throw new FormatException($"unsupported field type {field.FieldType}"),
            };
        }
        catch (Exception e) when (e is FormatException or OverflowException or InvalidProtocolBufferException or InvalidJsonException)
        {
            throw new HttpBindingException($"invalid value '{text}' for {field.Name}: {e.Message}");
        }
    }

    static object Enum(FieldDescriptor field, string text)
    {
        var value = int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number)
            ? field.EnumType.FindValueByNumber(number)
            : field.EnumType.FindValueByName(text);
        if (value is null) throw new FormatException($"expected a value of {field.EnumType.Name}");
        return System.Enum.ToObject(field.EnumType.ClrType, value.Number);
    }

    /// <summary>Page tokens come back URL-safe or unpadded depending on the caller; accept both spellings.</summary>
    static string Base64(string text)
    {
        var standard = text.Replace('-', '+').Replace('_', '/');
        return standard.PadRight(standard.Length + ((4 - (standard.Length % 4)) % 4), '=');
    }
}

/// <summary>A request the HTTP API cannot turn into its gRPC message; answered 400 INVALID_ARGUMENT.</summary>
sealed class HttpBindingException(string message) : Exception(message);
