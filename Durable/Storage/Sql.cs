using System.Text.RegularExpressions;
using Npgsql;

namespace Durable.Storage;

/// <summary>Builds parameterised commands from SQL constants written with $1…$n placeholders.</summary>
internal static partial class Sql
{
    public static NpgsqlCommand Command(string sql, NpgsqlConnection connection, NpgsqlTransaction? transaction, params object?[] args)
    {
        // Npgsql sends positional parameters only with single statements; scripts of several statements are rewritten
        // to named parameters, which Npgsql binds per statement.
        var multi = sql.Contains(';');
        var command = new NpgsqlCommand(multi ? Positional().Replace(sql, "@p$1") : sql, connection, transaction);
        for (var i = 0; i < args.Length; i++)
        {
            var p = args[i] as NpgsqlParameter ?? new NpgsqlParameter { Value = args[i] ?? DBNull.Value };
            if (multi) p.ParameterName = $"p{i + 1}";
            command.Parameters.Add(p);
        }
        return command;
    }

    [GeneratedRegex(@"\$(\d+)")]
    private static partial Regex Positional();
}
