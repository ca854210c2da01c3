using System.Text.Json;

namespace Formats.Json;

/// <summary>
/// One field of a JSON message read with <see cref="Utf8JsonReader"/> (positioned on the field's value), each problem
/// named after the field: the meter and price parsers share these, so their reasons read the same.
/// </summary>
public static class JsonFields
{
    /// <summary>A JSON number that is a finite double; a number sent as a string is named as such.</summary>
    public static string? Number(ref Utf8JsonReader reader, string field, out double number)
    {
        number = 0;
        if (reader.TokenType == JsonTokenType.String) return $"'{field}' is the string \"{Shorten(reader.GetString()!)}\", expected a number";
        if (reader.TokenType != JsonTokenType.Number) return $"'{field}' is {Describe(reader.TokenType)}, expected a number";
        number = reader.GetDouble();
        return double.IsFinite(number) ? null : $"'{field}' is out of range for a double";
    }

    /// <summary>A JSON string that is not blank.</summary>
    public static string? Text(ref Utf8JsonReader reader, string field, out string? text)
    {
        text = null;
        if (reader.TokenType != JsonTokenType.String) return $"'{field}' is {Describe(reader.TokenType)}, expected a string";
        text = reader.GetString();
        return string.IsNullOrWhiteSpace(text) ? $"'{field}' is empty" : null;
    }

    /// <summary>"missing field(s) 'a', 'b'": the <paramref name="fields"/> whose bit is not set in <paramref name="seen"/>.</summary>
    public static string Missing(IReadOnlyList<string> fields, int seen) =>
        "missing field(s) " + string.Join(", ", fields.Where((_, i) => (seen & (1 << i)) == 0).Select(f => $"'{f}'"));

    /// <summary>A token as a reason names it: "null", "a boolean", "an object", …</summary>
    public static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.Null => "null",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.Number => "a number",
        _ => token.ToString(),
    };

    /// <summary>A value quoted in a reason: its first 40 characters.</summary>
    public static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
