using Web.Security;

namespace Web.Tests;

/// <summary>The <c>hash-password</c> command's password policy; no server needed.</summary>
public sealed class HashPasswordCommandTests
{
    static (int Exit, string Output, string Error) Run(string password)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = OperatorPasswords.RunCommandLine(new StringReader(password + "\n"), output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData("abc", "3 characters; use at least 12")]
    [InlineData("short pass1", "11 characters; use at least 12")]
    [InlineData("passwordpassword", "common password")]
    [InlineData("Password123456", "common password")]
    [InlineData("Qwertyuiop!!", "common password")]
    [InlineData("1q2w3e4r5t6y", "common password")]
    public void Short_and_common_passwords_are_refused_with_a_clear_message_and_a_non_zero_exit(string password, string expected)
    {
        var (exit, output, error) = Run(password);

        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.StartsWith("hash-password: refused: ", error, StringComparison.Ordinal);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_long_uncommon_passphrase_is_hashed()
    {
        var (exit, output, error) = Run("staple battery horse correct");

        Assert.Equal(0, exit);
        Assert.Equal("", error);
        Assert.True(OperatorPasswords.Verify("staple battery horse correct", output.Trim()));
    }
}
