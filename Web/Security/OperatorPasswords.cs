using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Web.Security;

/// <summary>
/// Operator password hashes: <c>pbkdf2-sha256$&lt;iterations&gt;$&lt;salt, base64&gt;$&lt;hash, base64&gt;</c> (PBKDF2 with
/// HMAC-SHA256, 16-byte random salt, 32-byte key). Create one with <c>dotnet Web.dll hash-password</c> (reads the
/// password from stdin) and put it in configuration as <c>Operators:&lt;name&gt;:PasswordHash</c>.
/// </summary>
public static class OperatorPasswords
{
    public const string Prefix = "pbkdf2-sha256";
    public const int DefaultIterations = 210_000;

    public static string Hash(string password, int iterations = DefaultIterations)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var key = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);
        return string.Create(CultureInfo.InvariantCulture, $"{Prefix}${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(key)}");
    }

    /// <summary>Constant-time check of <paramref name="password"/> against a hash string; false for a malformed hash.</summary>
    public static bool Verify(string password, string hash)
    {
        var parts = hash.Split('$');
        if (parts.Length != 4 || parts[0] != Prefix || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations < 10_000)
            return false;
        try
        {
            var salt = Convert.FromBase64String(parts[2]);
            var expected = Convert.FromBase64String(parts[3]);
            var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
            return CryptographicOperations.FixedTimeEquals(actual, expected);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// <c>hash-password</c>: reads one line (the password) from stdin and prints its hash; exits 2 without a hash when
    /// the password is missing or refused by <see cref="PasswordPolicy"/>.
    /// </summary>
    public static int RunCommandLine(TextReader input, TextWriter output, TextWriter error)
    {
        var password = input.ReadLine();
        if (string.IsNullOrEmpty(password))
        {
            error.WriteLine("hash-password: give the password on stdin, e.g. `read -rs P && printf '%s\\n' \"$P\" | dotnet Web.dll hash-password`");
            return 2;
        }
        if (PasswordPolicy.Weakness(password) is { } weakness)
        {
            error.WriteLine($"hash-password: refused: {weakness}");
            return 2;
        }
        output.WriteLine(Hash(password));
        return 0;
    }
}
