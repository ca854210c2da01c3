using Npgsql;

namespace Web.Components.Shared;

/// <summary>Turns a failed database read into a message that says what to do.</summary>
public static class LoadErrors
{
    public static (string Message, string Hint) Describe(Exception e) => e switch
    {
        PostgresException { SqlState: PostgresErrorCodes.UndefinedTable } =>
            ("The pipeline's tables do not exist yet.", "Start Workers (./run.sh): they create the schema at start. Then stream or import trades."),
        NpgsqlException or TimeoutException =>
            ("PostgreSQL could not be read.", "Check the resource health on the Home page; the page retries when you change a filter or reload."),
        _ => ("The data could not be loaded.", "Reload the page; if it persists, the server log has the details."),
    };

    public static bool IsLoadError(Exception e) => e is NpgsqlException or TimeoutException or InvalidOperationException;
}
