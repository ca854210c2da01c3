using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;

namespace Web.Security;

/// <summary>
/// The people allowed in, from configuration: <c>Operators:&lt;name&gt;:PasswordHash</c> (see <see cref="OperatorPasswords"/>)
/// and optionally <c>Operators:&lt;name&gt;:Role</c>, <c>operator</c> (the default: may change things) or <c>viewer</c>
/// (may sign in and read, never mutate).
/// </summary>
public sealed class Operators(IConfiguration configuration, TimeProvider time)
{
    public const string OperatorRole = "operator";
    public const string ViewerRole = "viewer";

    // PBKDF2 is deliberately slow; Basic auth checks every request, so a verified (name, password) is remembered for a
    // few minutes, keyed by a hash (never the password). A changed hash in configuration invalidates the entry.
    readonly ConcurrentDictionary<string, DateTimeOffset> _verified = new();
    static readonly TimeSpan Remember = TimeSpan.FromMinutes(5);

    public ClaimsPrincipal? SignIn(string name, string password, string scheme)
    {
        var section = configuration.GetSection("Operators").GetChildren().FirstOrDefault(s => string.Equals(s.Key, name, StringComparison.Ordinal));
        var hash = section?["PasswordHash"];
        if (section is null || string.IsNullOrEmpty(hash))
        {
            OperatorPasswords.Verify(password, DummyHash); // same work for unknown names: no user enumeration by timing
            return null;
        }
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{name}\n{password}\n{hash}")));
        var now = time.GetUtcNow();
        if (!(_verified.TryGetValue(key, out var until) && until > now))
        {
            if (!OperatorPasswords.Verify(password, hash)) return null;
            _verified[key] = now + Remember;
        }
        var role = section["Role"] is { Length: > 0 } r ? r.ToLowerInvariant() : OperatorRole;
        return new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, role)], scheme));
    }

    static readonly string DummyHash = OperatorPasswords.Hash(Guid.NewGuid().ToString());
}
