using System.Globalization;

namespace Web.Api;

/// <summary>
/// Reads query parameters and collects what is wrong with them, so a request with bad parameters is answered with one
/// 400 ProblemDetails that names every offending parameter and says what it expects.
/// </summary>
public sealed class QueryValidation
{
    readonly Dictionary<string, string[]> _errors = new(StringComparer.Ordinal);

    public bool IsValid => _errors.Count == 0;

    public void Fail(string parameter, string message) => _errors[parameter] = [message];

    public DateOnly? Date(string parameter, string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)) return date;
        Fail(parameter, $"'{value}' is not a date; expected yyyy-MM-dd, e.g. 2023-01-01.");
        return null;
    }

    public DateTimeOffset? Instant(string parameter, string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)) return at;
        Fail(parameter, $"'{value}' is not a timestamp; expected ISO 8601, e.g. 2023-01-01T10:00:00Z.");
        return null;
    }

    public int Int(string parameter, string? value, int fallback, int min, int max)
    {
        if (string.IsNullOrWhiteSpace(value)) return fallback;
        if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max) return n;
        Fail(parameter, $"'{value}' is not an integer between {min} and {max}.");
        return fallback;
    }

    /// <summary>A short identifier-like text (area, product, method): letters, digits, '_', '-', '.', at most 64 characters.</summary>
    public string? Code(string parameter, string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        if (value.Length <= 64 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')) return value;
        Fail(parameter, $"'{Shorten(value)}' is not a valid code; use letters, digits, '_', '-' or '.', at most 64 characters.");
        return null;
    }

    public TEnum? Enum<TEnum>(string parameter, string? value) where TEnum : struct, Enum
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        if (System.Enum.TryParse<TEnum>(value, ignoreCase: true, out var e) && System.Enum.IsDefined(e) && !int.TryParse(value, out _)) return e;
        Fail(parameter, $"'{Shorten(value)}' is not one of: {string.Join(", ", System.Enum.GetNames<TEnum>())}.");
        return null;
    }

    /// <summary>A sort key from <paramref name="allowed"/> (API name → SQL column), optionally prefixed with '-' for descending.</summary>
    public (string Column, bool Descending) Sort(string parameter, string? value, IReadOnlyDictionary<string, string> allowed, string fallback)
    {
        var text = string.IsNullOrWhiteSpace(value) ? fallback : value;
        var descending = text.StartsWith('-');
        var key = descending ? text[1..] : text;
        if (allowed.TryGetValue(key, out var column)) return (column, descending);
        Fail(parameter, $"'{Shorten(text)}' is not a sort key; use one of {string.Join(", ", allowed.Keys)}, prefixed with '-' for descending.");
        return (allowed[fallback.TrimStart('-')], fallback.StartsWith('-'));
    }

    public IResult Problem() => TypedResults.ValidationProblem(_errors, title: "One or more query parameters are invalid.");

    static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "…";
}

/// <summary>One page of rows with the total count of rows matching the filters.</summary>
public sealed record Paged<T>(IReadOnlyList<T> Items, long Total, int PageNumber, int PageSize);
