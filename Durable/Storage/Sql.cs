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
            var p = Parameter(args[i]);
            if (multi) p.ParameterName = $"p{i + 1}";
            command.Parameters.Add(p);
        }
        return command;
    }

    /// <summary>
    /// Splits a script into one batch command per statement, each with only the parameters it uses (renumbered), so
    /// several scripts can travel to the server in one <see cref="NpgsqlBatch"/>, i.e. one round trip.
    /// </summary>
    public static IEnumerable<NpgsqlBatchCommand> BatchCommands(string sql, params object?[] args)
    {
        foreach (var statement in sql.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var used = new List<int>();
            var text = Positional().Replace(statement, m =>
            {
                var index = int.Parse(m.Groups[1].Value) - 1;
                if (!used.Contains(index)) used.Add(index);
                return $"${used.IndexOf(index) + 1}";
            });
            var command = new NpgsqlBatchCommand(text);
            foreach (var index in used) command.Parameters.Add(args[index] is NpgsqlParameter p ? p.Clone() : Parameter(args[index]));
            yield return command;
        }
    }

    static NpgsqlParameter Parameter(object? value) => value as NpgsqlParameter ?? new NpgsqlParameter { Value = value ?? DBNull.Value };

    [GeneratedRegex(@"\$(\d+)")]
    private static partial Regex Positional();
}
