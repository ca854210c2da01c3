using System.Reflection;

namespace Web.Security;

/// <summary>
/// What an operator password must be before <c>hash-password</c> hashes it: long enough and not one of the passwords
/// that are tried first (NIST SP 800-63B: a length minimum and a blocklist, no composition rules).
/// </summary>
public static class PasswordPolicy
{
    public const int MinLength = 12;

    static readonly Lazy<HashSet<string>> Common = new(LoadCommon);

    /// <summary>Why <paramref name="password"/> is refused, or null when it is acceptable.</summary>
    public static string? Weakness(string password)
    {
        if (password.Length < MinLength) return $"it has {password.Length} characters; use at least {MinLength}";
        if (IsCommon(password)) return "it is a common password (or one with digits or symbols added); choose a passphrase of several unrelated words";
        return null;
    }

    static bool IsCommon(string password)
    {
        var lower = password.Trim().ToLowerInvariant();
        var core = lower.Trim(SurroundingNoise);
        return Common.Value.Contains(lower) || (core.Length > 0 && Common.Value.Contains(core));
    }

    static readonly char[] SurroundingNoise = [.. "0123456789!@#$%^&*()-_=+.,;:?'\"/\\|~` "];

    static HashSet<string> LoadCommon()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Web.Security.common-passwords.txt")
            ?? throw new InvalidOperationException("the embedded common-password list is missing");
        using var reader = new StreamReader(stream);
        var set = new HashSet<string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
            if (line.Length > 0 && !line.StartsWith('#')) set.Add(line);
        return set;
    }
}
