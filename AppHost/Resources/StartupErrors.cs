using System.Runtime.CompilerServices;
using LocalServers;

namespace AppHost.Resources;

/// <summary>
/// A missing prerequisite (PostgreSQL's binaries, moto) or an unreachable external resource is a problem of the
/// machine or the configuration, not a bug: the user gets the one line that names it, not a stack trace, and exit code 2.
/// </summary>
static class StartupErrors
{
    [ModuleInitializer]
    internal static void ExplainInsteadOfCrashing() =>
        AppDomain.CurrentDomain.UnhandledException += (_, e) =>
        {
            if (Explained(e.ExceptionObject as Exception) is not { } message) return;
            Console.Error.WriteLine(message);
            Environment.Exit(2);
        };

    static string? Explained(Exception? error) => error switch
    {
        MissingPrerequisiteException or ExternalResourceUnreachableException => error.Message,
        AggregateException aggregate => aggregate.InnerExceptions.Select(Explained).FirstOrDefault(m => m is not null),
        { InnerException: { } inner } => Explained(inner),
        _ => null,
    };
}
