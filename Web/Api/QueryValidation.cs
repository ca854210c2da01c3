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

    /// <summary>Each offending parameter with what is wrong with it (the pages show these next to their filters).</summary>
    public IReadOnlyDictionary<string, string[]> Errors => _errors;

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

    /// <summary>Free text of at most <paramref name="maxLength"/> characters.</summary>
    public string? Text(string parameter, string? value, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        if (value.Length <= maxLength) return value;
        Fail(parameter, $"'{Shorten(value)}' is longer than {maxLength} characters.");
        return null;
    }

    /// <summary>A short identifier-like text (area, product, method): letters, digits, '_', '-', '.', at most 64 characters.</summary>
    public string? Code(string parameter, string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        if (value.Length <= 64 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')) return value;
        Fail(parameter, $"'{Shorten(value)}' is not a valid code; use letters, digits, '_', '-' or '.', at most 64 characters.");
        return null;
    }

    /// <summary>One of <paramref name="allowed"/> (compared ignoring case), returned as spelled there; anything else is named as invalid.</summary>
    public string? OneOf(string parameter, string? value, IReadOnlyCollection<string> allowed)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        if (allowed.FirstOrDefault(a => string.Equals(a, value, StringComparison.OrdinalIgnoreCase)) is { } known) return known;
        Fail(parameter, $"'{Shorten(value)}' is not one of: {string.Join(", ", allowed)}.");
        return null;
    }

    /// <summary>
    /// The paging of every list endpoint: <c>offset</c> (rows to skip, from 0) and <c>limit</c> (rows to return, 1 to
    /// <paramref name="maxLimit"/>, default <paramref name="defaultLimit"/>). The answer is a <see cref="Paged{T}"/>.
    /// </summary>
    public PageRequest Page(string? offset, string? limit, int defaultLimit = PageRequest.DefaultLimit, int maxLimit = PageRequest.MaxLimit) =>
        new(Int(nameof(offset), offset, 0, 0, int.MaxValue), Int(nameof(limit), limit, defaultLimit, 1, maxLimit));

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

/// <summary>Which rows of a list to return: skip <paramref name="Offset"/>, take at most <paramref name="Limit"/>.</summary>
public readonly record struct PageRequest(int Offset, int Limit)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 1000;

    /// <summary>Page <paramref name="number"/> (from 1) of <paramref name="size"/> rows, as the pages' pagers count.</summary>
    public static PageRequest Number(int number, int size) => new((number - 1) * size, size);
}

/// <summary>A whole list (small, not paged): still an object, so no operation answers a bare array.</summary>
public sealed record Listed<T>(IReadOnlyList<T> Items);

/// <summary>
/// The one shape of every list the API returns: the rows asked for, the count of all rows matching the filters, and the
/// offset and limit that selected them (<c>{"items":[…],"total":123,"offset":0,"limit":50}</c>).
/// </summary>
public sealed record Paged<T>(IReadOnlyList<T> Items, long Total, int Offset, int Limit)
{
    public Paged(IReadOnlyList<T> items, long total, PageRequest page) : this(items, total, page.Offset, page.Limit) { }
}
