namespace AppHost.Resources;

static class CommandLineArgs
{
    /// <summary>Appends arguments to an executable's argument list (plain values or references DCP resolves at launch).</summary>
    public static void AddAll(this IList<object> args, params object[] values)
    {
        foreach (var value in values) args.Add(value);
    }
}
